/**
 * Characters people paste between groups of a key ("JBSW Y3DP", "3132-3334"): spaces, tabs,
 * line breaks and dashes. Decoders skip them; anything else that is not in the alphabet is an
 * error naming the character and its position.
 */
export function isSeparator(code: number): boolean {
  return code === 32 || code === 45 || code === 9 || code === 10 || code === 13;
}
