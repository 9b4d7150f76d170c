import { describeCharacter, fail } from "../fail.js";
import { isSeparator } from "./separators.js";

/** RFC 4648 section 6 alphabet. */
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PAD = 61; // '='

function base32Value(code: number): number {
  if (code >= 65 && code <= 90) {
    return code - 65;
  }
  if (code >= 97 && code <= 122) {
    return code - 97;
  }
  if (code >= 50 && code <= 55) {
    return code - 24;
  }
  return -1;
}

/**
 * Base32 (RFC 4648 section 6) to bytes. Case-insensitive; spaces and dashes are skipped;
 * '=' padding is optional but, when present, only at the end. A length that cannot come from
 * whole bytes (1, 3 or 6 characters in the last group of 8) is rejected, as are leftover bits
 * that are not zero (they would mean the key was cut or mistyped).
 */
export function base32ToBytes(text: string): number[] {
  const bytes: number[] = [];
  let buffer = 0; // at most 12 pending bits: stays a small integer everywhere
  let bits = 0;
  let symbols = 0;
  let padding = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === PAD) {
      padding = true;
    } else if (!isSeparator(code)) {
      const value = base32Value(code);
      if (value < 0) {
        fail("invalid Base32 character " + describeCharacter(text, i) + " (expected A-Z or 2-7)");
      }
      if (padding) {
        fail("Base32 padding '=' may only come at the end, but " + describeCharacter(text, i) + " follows it");
      }
      buffer = (buffer << 5) | value;
      bits = bits + 5;
      symbols = symbols + 1;
      if (bits >= 8) {
        bits = bits - 8;
        bytes.push((buffer >>> bits) & 255);
        buffer = buffer & ((1 << bits) - 1);
      }
    }
  }
  const tail = symbols & 7;
  if (tail === 1 || tail === 3 || tail === 6) {
    fail("Base32 length " + String(symbols) + " is not a whole number of bytes (a character is missing or extra)");
  }
  if (buffer !== 0) {
    fail("Base32 ends with non-zero leftover bits: the key looks truncated or mistyped");
  }
  return bytes;
}

/** Bytes to uppercase Base32; with `pad` the result is '='-padded to a multiple of 8. */
export function bytesToBase32(bytes: number[], pad: boolean): string {
  let text = "";
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    buffer = ((buffer << 8) | bytes[i]) & 4095;
    bits = bits + 8;
    while (bits >= 5) {
      bits = bits - 5;
      text = text + BASE32_ALPHABET.charAt((buffer >>> bits) & 31);
    }
  }
  if (bits > 0) {
    text = text + BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  }
  if (pad) {
    while ((text.length & 7) !== 0) {
      text = text + "=";
    }
  }
  return text;
}
