/**
 * What a profile label is, in one place: the token draws it above the code with its 5x7 font
 * (firmware/ui/font.ts), so a label holds only what that font has: A-Z a-z 0-9, space and
 * - . / ! ? ' ( ) # + , (lowercase is drawn as uppercase), at most 16 of them (the width of
 * the display at that size). The font's ':' is left out: an otpauth:// URI, whose account name
 * is the label, reads it as the issuer's end. The host checks a label by this rule before a
 * token is touched, and the firmware refuses any other; every import format carries such a
 * label as it is.
 */

export const MAX_LABEL_LENGTH = 16;

/** The characters besides letters and digits a label may hold (the font draws each). */
export const LABEL_PUNCTUATION = " -./!?'()#+,";

function isLabelCharacter(c: number): boolean {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    return true;
  }
  return c < 128 && LABEL_PUNCTUATION.indexOf(String.fromCharCode(c)) >= 0;
}

/** The index of the first character the display cannot draw, or -1 when there is none. */
export function firstBadLabelCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (!isLabelCharacter(text.charCodeAt(i))) {
      return i;
    }
  }
  return -1;
}

/** Whether `text` is a label the token can show (an empty label shows nothing). */
export function isLabel(text: string): boolean {
  return text.length <= MAX_LABEL_LENGTH && firstBadLabelCharacter(text) < 0;
}
