/**
 * Frames of the wire protocol (PROTOCOL.md): `<dir><seq> <VERB>[ <key>=<value>]... *<crc>\n`.
 *
 * One codec for the host and the token. The decoder is the token's first line of defence: it
 * never throws, whatever the bytes, and answers with an error code and a message naming what
 * was wrong. The encoder throws on an invalid verb, key or seq, which are programming errors.
 *
 * The CRC is checked before the syntax, so line noise and REPL output stop at one comparison.
 * Every accepted line is canonical: re-encoding the decoded frame gives the same bytes (see
 * percent.ts), so the token can rebuild the text the host signed (fieldsText).
 */
import { describeCharacter, fail } from "../fail.js";
import { crc32OfString } from "../codec/crc32.js";
import { wordToHex } from "../codec/words.js";
import { decodeValue, describeBadValue, encodeValue } from "./percent.js";

/** Longest frame in bytes, "\n" included (a "\r" before it is not counted). */
export const MAX_FRAME_BYTES = 2048;
export const PROTOCOL_VERSION = 2;

/** The error codes the codec itself produces; commands.ts re-exports them with the others. */
export const ERR_BAD_FRAME = "bad_frame";
export const ERR_TOO_LONG = "too_long";

const MAX_SEQ = 65535;
const MAX_VERB_LENGTH = 16;
const MAX_KEY_LENGTH = 24;

/** A CRC-32 of a byte string as a word; E.CRC32 on Espruino, zlib.crc32 on Node. */
export type Crc32Function = (this: void, text: string) => number;

/** A decoded frame or one to encode. Values are decoded bytes; keys and values in wire order. */
export interface Frame {
  toToken: boolean;
  seq: number;
  verb: string;
  keys: string[];
  values: string[];
}

/** What decodeFrame found. */
export interface Decoded {
  frame: Frame | null;
  /** "" on success, else ERR_BAD_FRAME or ERR_TOO_LONG. */
  error: string;
  /** What was wrong, for people ("bad CRC", "field 3 has no '='"); "" on success. */
  message: string;
  /** The 8 hex digits of the CRC as received, for retry detection; "" when there are none. */
  crcHex: string;
}

export function newFrame(toToken: boolean, seq: number, verb: string): Frame {
  return { toToken: toToken, seq: seq, verb: verb, keys: [], values: [] };
}

/** Appends a field; the value is bytes (0..255), encoded when the frame is. */
export function addField(frame: Frame, key: string, value: string): void {
  frame.keys.push(key);
  frame.values.push(value);
}

/** The value of key, or null when the frame has no such field. */
export function fieldValue(frame: Frame, key: string): string | null {
  const index = frame.keys.indexOf(key);
  return index < 0 ? null : frame.values[index];
}

function isVerbByte(code: number): boolean {
  return (code >= 65 && code <= 90) || code === 95;
}

function isKeyByte(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95;
}

/** Throws unless name is 1..maxLength characters that the test accepts. */
function checkWireName(name: string, what: string, maxLength: number, isVerb: boolean): void {
  let ok = name.length !== 0 && name.length <= maxLength;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isVerb ? !isVerbByte(code) : !isKeyByte(code)) {
      ok = false;
    }
  }
  if (!ok) {
    fail("invalid " + what + " '" + name + "' (expected 1 to " + String(maxLength) +
      (isVerb ? " of A-Z and _)" : " of a-z, 0-9 and _)"));
  }
}

/**
 * The fields as written on the wire, "k=v k=v" with values percent-encoded, leaving out the
 * field skipKey (pass "auth" for the authorisation HMAC, "" to keep them all).
 */
export function fieldsText(frame: Frame, skipKey: string): string {
  let text = "";
  for (let i = 0; i < frame.keys.length; i++) {
    const key = frame.keys[i];
    if (key !== skipKey) {
      if (text !== "") {
        text = text + " ";
      }
      text = text + key + "=" + encodeValue(frame.values[i]);
    }
  }
  return text;
}

/** The whole line, "\n" included. crc32 null uses the portable CRC-32. */
export function encodeFrame(frame: Frame, crc32: Crc32Function | null): string {
  const seq = frame.seq;
  if (!(seq >= 0 && seq <= MAX_SEQ && Math.floor(seq) === seq)) {
    fail("invalid seq " + String(seq) + " (expected a whole number from 0 to 65535)");
  }
  checkWireName(frame.verb, "verb", MAX_VERB_LENGTH, true);
  if (frame.values.length !== frame.keys.length) {
    fail("frame " + frame.verb + " has " + String(frame.keys.length) + " keys but " +
      String(frame.values.length) + " values");
  }
  for (let i = 0; i < frame.keys.length; i++) {
    checkWireName(frame.keys[i], "key", MAX_KEY_LENGTH, false);
    if (frame.keys.indexOf(frame.keys[i]) !== i) {
      fail("duplicate key '" + frame.keys[i] + "' in frame " + frame.verb);
    }
  }
  const fields = fieldsText(frame, "");
  const covered = (frame.toToken ? ">" : "<") + String(seq) + " " + frame.verb +
    (fields !== "" ? " " + fields : "") + " ";
  const line = covered + "*" + wordToHex(crc32 !== null ? crc32(covered) : crc32OfString(covered)) + "\n";
  if (line.length > MAX_FRAME_BYTES) {
    fail("frame " + frame.verb + " is " + String(line.length) + " bytes, over the 2048 of MAX_FRAME_BYTES");
  }
  return line;
}

function badFrame(message: string, crcHex: string): Decoded {
  return { frame: null, error: ERR_BAD_FRAME, message: message, crcHex: crcHex };
}

function isLowerHexByte(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102);
}

/**
 * Decodes one line (without "\n"; a trailing "\r" is ignored). Never throws: any failure is
 * reported in the result.
 */
export function decodeFrame(line: string, crc32: Crc32Function | null): Decoded {
  let text = line;
  if (text.length !== 0 && text.charCodeAt(text.length - 1) === 13) {
    text = text.substring(0, text.length - 1);
  }
  const length = text.length;
  if (length > MAX_FRAME_BYTES - 1) {
    return { frame: null, error: ERR_TOO_LONG, message: "frame is over 2048 bytes", crcHex: "" };
  }
  if (length === 0) {
    return badFrame("empty line", "");
  }
  const first = text.charCodeAt(0);
  if (first !== 62 && first !== 60) {
    return badFrame("does not start with '>' or '<'", "");
  }

  // The CRC: " *" and 8 lowercase hex digits at the end, over every byte before the '*'.
  const star = length - 9;
  if (star < 2 || text.charCodeAt(star) !== 42 || text.charCodeAt(star - 1) !== 32) {
    return badFrame("missing ' *' and CRC at the end", "");
  }
  for (let h = star + 1; h < length; h++) {
    if (!isLowerHexByte(text.charCodeAt(h))) {
      return badFrame("CRC is not 8 lowercase hex digits", "");
    }
  }
  const crcHex = text.substring(star + 1);
  const covered = text.substring(0, star);
  if (wordToHex(crc32 !== null ? crc32(covered) : crc32OfString(covered)) !== crcHex) {
    return badFrame("bad CRC", crcHex);
  }

  // Everything before `headerEnd` (the space before '*') is "<dir><seq> <VERB>[ <key>=<value>]...".
  const headerEnd = star - 1;
  let i = 1;
  let seq = 0;
  while (i < headerEnd && i <= 6 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
    seq = seq * 10 + text.charCodeAt(i) - 48;
    i = i + 1;
  }
  if (i === 1) {
    return badFrame("missing sequence number", crcHex);
  }
  if (i > 2 && text.charCodeAt(1) === 48) {
    return badFrame("sequence number has a leading zero", crcHex);
  }
  if (seq > MAX_SEQ) {
    return badFrame("sequence number over 65535", crcHex);
  }
  if (text.charCodeAt(i) !== 32) {
    return badFrame("missing space after the sequence number", crcHex);
  }
  const verbStart = i + 1;
  let verbEnd = verbStart;
  while (verbEnd < headerEnd && isVerbByte(text.charCodeAt(verbEnd))) {
    verbEnd = verbEnd + 1;
  }
  if (verbEnd < headerEnd && text.charCodeAt(verbEnd) !== 32) {
    return badFrame("verb has " + describeCharacter(text, verbEnd) + " (expected A-Z or _)", crcHex);
  }
  if (verbEnd === verbStart) {
    return badFrame("missing verb", crcHex);
  }
  if (verbEnd - verbStart > MAX_VERB_LENGTH) {
    return badFrame("verb longer than 16 characters", crcHex);
  }
  const frame = newFrame(first === 62, seq, text.substring(verbStart, verbEnd));

  // Fields: at `at` there is a space, then "key=value" up to the next space or `headerEnd`.
  let at = verbEnd;
  let field = 0;
  while (at < headerEnd) {
    field = field + 1;
    const keyStart = at + 1;
    let keyEnd = keyStart;
    while (keyEnd < headerEnd && isKeyByte(text.charCodeAt(keyEnd))) {
      keyEnd = keyEnd + 1;
    }
    const name = "field " + String(field);
    if (keyEnd === headerEnd || text.charCodeAt(keyEnd) === 32) {
      return badFrame(name + (keyEnd === keyStart ? " is empty (two spaces in a row?)" : " has no '='"), crcHex);
    }
    if (text.charCodeAt(keyEnd) !== 61) {
      return badFrame(name + ": key has " + describeCharacter(text, keyEnd) + " (expected a-z, 0-9 or _)", crcHex);
    }
    if (keyEnd === keyStart) {
      return badFrame(name + " has no key before '='", crcHex);
    }
    if (keyEnd - keyStart > MAX_KEY_LENGTH) {
      return badFrame(name + ": key longer than 24 characters", crcHex);
    }
    const key = text.substring(keyStart, keyEnd);
    if (frame.keys.indexOf(key) >= 0) {
      return badFrame("duplicate key '" + key + "'", crcHex);
    }
    let valueEnd = keyEnd + 1;
    while (valueEnd < headerEnd && text.charCodeAt(valueEnd) !== 32) {
      valueEnd = valueEnd + 1;
    }
    const wire = text.substring(keyEnd + 1, valueEnd);
    const value = decodeValue(wire);
    if (value === null) {
      return badFrame("value of '" + key + "': " + describeBadValue(wire), crcHex);
    }
    addField(frame, key, value);
    at = valueEnd;
  }
  return { frame: frame, error: "", message: "", crcHex: crcHex };
}
