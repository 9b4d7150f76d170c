/**
 * Percent-encoding of field values on the wire (PROTOCOL.md, "Frames").
 *
 * Values travel as printable ASCII without spaces, so a frame splits on spaces with no quoting.
 * Only `A-Z a-z 0-9 . _ : / , -` go raw; every other byte is `%XX` with uppercase hex.
 *
 * The decoder takes only that canonical form: no lowercase hex and no escaped byte that could
 * have gone raw. So every accepted value re-encodes to exactly the bytes received, which the
 * authorisation HMAC relies on: the host signs the fields as written on the wire, and the token
 * rebuilds that text from the decoded frame (fieldsText).
 *
 * Values without escapes are returned as they are; others are built from substrings of raw
 * runs, not byte by byte, to keep string copies few on the interpreter.
 */
import { describeCharacter, fail } from "../fail.js";

const PERCENT_HEX_DIGITS = "0123456789ABCDEF";

/** True for the bytes a value carries raw: , - . / 0-9 : A-Z _ a-z. */
export function isRawValueByte(code: number): boolean {
  if (code >= 97) {
    return code <= 122;
  }
  if (code >= 65) {
    return code <= 90 || code === 95;
  }
  if (code >= 48) {
    return code <= 58;
  }
  return code >= 44 && code <= 47;
}

/** Value of an uppercase hex digit, or -1 (lowercase is not canonical). */
function upperHexValue(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  if (code >= 65 && code <= 70) {
    return code - 55;
  }
  return -1;
}

/** The byte written as `%XX` at index (the '%'), or -1 when that is not a canonical escape. */
function escapedByte(text: string, index: number): number {
  if (index + 2 >= text.length) {
    return -1;
  }
  const high = upperHexValue(text.charCodeAt(index + 1));
  const low = upperHexValue(text.charCodeAt(index + 2));
  if (high < 0 || low < 0) {
    return -1;
  }
  const byte = high * 16 + low;
  return isRawValueByte(byte) ? -1 : byte;
}

/**
 * A byte string (characters 0..255) as it goes on the wire. A character above 255 is a
 * programming error (text must be UTF-8 encoded into bytes first) and throws.
 */
export function encodeValue(text: string): string {
  let out = "";
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isRawValueByte(code)) {
      if (code > 255) {
        fail("a field value holds bytes 0-255, not " + describeCharacter(text, i) + ": encode text as UTF-8 first");
      }
      out = out + text.substring(runStart, i) + "%" +
        PERCENT_HEX_DIGITS.charAt((code >>> 4) & 15) + PERCENT_HEX_DIGITS.charAt(code & 15);
      runStart = i + 1;
    }
  }
  if (runStart === 0) {
    return text;
  }
  return out + text.substring(runStart);
}

/** The bytes a wire value stands for, or null when it is not canonical percent-encoding. */
export function decodeValue(text: string): string | null {
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 37) {
      const byte = escapedByte(text, i);
      if (byte < 0) {
        return null;
      }
      out = out + text.substring(runStart, i) + String.fromCharCode(byte);
      i = i + 3;
      runStart = i;
    } else if (isRawValueByte(code)) {
      i = i + 1;
    } else {
      return null;
    }
  }
  if (runStart === 0) {
    return text;
  }
  return out + text.substring(runStart);
}

/**
 * Why decodeValue refused text, for error messages; "" when it would not. Only error paths
 * call it, so the decoder itself stays a single pass.
 */
export function describeBadValue(text: string): string {
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 37) {
      if (escapedByte(text, i) < 0) {
        return "bad percent escape at position " + String(i + 1) +
          " (expected %XX in uppercase hex, for a byte that cannot go raw)";
      }
      i = i + 3;
    } else if (isRawValueByte(code)) {
      i = i + 1;
    } else {
      return describeCharacter(text, i) + " must be percent-encoded";
    }
  }
  return "";
}
