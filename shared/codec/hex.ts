import { describeCharacter, fail } from "../fail.js";
import { isSeparator } from "./separators.js";

const HEX_DIGITS = "0123456789abcdef";

/** Value of one hex digit (either case), or -1. Table-free: no per-call allocation. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  if (code >= 97 && code <= 102) {
    return code - 87;
  }
  if (code >= 65 && code <= 70) {
    return code - 55;
  }
  return -1;
}

/**
 * Hex text to bytes. Accepts either case and the separators people paste (spaces, dashes);
 * rejects everything else, naming the character and its 1-based position.
 */
export function hexToBytes(text: string): number[] {
  const bytes: number[] = [];
  let high = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = hexValue(code);
    if (value < 0) {
      if (!isSeparator(code)) {
        fail("invalid hex character " + describeCharacter(text, i) + " (expected 0-9 or a-f)");
      }
    } else if (high < 0) {
      high = value;
    } else {
      bytes.push(high * 16 + value);
      high = -1;
    }
  }
  if (high >= 0) {
    fail("hex has an odd number of digits: every byte takes two");
  }
  return bytes;
}

/** Bytes to lowercase hex (the form Duo's import takes). */
export function bytesToHex(bytes: number[]): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    text = text + HEX_DIGITS.charAt((b >>> 4) & 15) + HEX_DIGITS.charAt(b & 15);
  }
  return text;
}
