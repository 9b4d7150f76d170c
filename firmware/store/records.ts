/**
 * The token's record (serial, management key, profiles with their secrets, clock-step budget),
 * kept power-safe in two flash files. Rewriting a file erases it first and there is no rename,
 * so a save writes the slot NOT holding the current record, with a higher sequence number, and
 * reads it back; loading picks the valid slot with the higher sequence. A power cut at any byte
 * leaves either the old or the new record.
 *
 * Format (a byte string):
 *   "TSR1", version 1, sequence (4 bytes, big-endian, < 2^31), payload length (2), payload,
 *   CRC-32/ISO-HDLC of everything before it (4).
 * Payload: serial (length byte + bytes), management key (length + bytes), driftBudgetUsed
 * (4 bytes, sign bit + 31-bit magnitude), profile count, then per profile: label (length +
 * bytes), kind (0 totp, 1 hotp), algorithm (0 SHA1, 1 SHA256), digits, period (2), counter (4),
 * secret (length + bytes). Texts are byte strings (characters 0-255).
 */
import type { Hal } from "../platform/hal.js";
import { fail } from "../../shared/fail.js";
import { crc32OfString } from "../../shared/codec/crc32.js";
import { INT32_RUNTIME, TWO_POW_32 } from "../../shared/runtime.js";

export const RECORD_FILE_A = "tsrec.a";
export const RECORD_FILE_B = "tsrec.b";
/** Magic and version: the first 5 bytes of every record. */
const RECORD_HEAD = "TSR1\x01";

export interface Profile {
  label: string;
  /** "totp" or "hotp". */
  kind: string;
  /** "SHA1" or "SHA256". */
  algorithm: string;
  /** 6, 7 or 8. */
  digits: number;
  /** Seconds, 1..65535 for TOTP (0..65535 stored for HOTP). */
  period: number;
  /** HOTP counter, a word (0 .. 2^32 - 1). */
  counter: number;
  /**
   * 1..64 bytes, as a byte string: a string costs a twelfth of the variables an array of the
   * same bytes does, and eight profiles' seeds are held while a PROVISION is at its peak.
   */
  secret: string;
}

export interface TokenRecord {
  /** Save count, 0 .. 2^31 - 1; saveRecord sets it. */
  sequence: number;
  /** Up to 32 bytes. */
  serial: string;
  /** Up to 32 bytes. */
  managementKey: number[];
  /** Up to 8; labels up to 16 bytes. */
  profiles: Profile[];
  /**
   * The clock-step budget reserved: seconds of unauthorised steps since the last authorised
   * one, rounded up (commands.ts). Stored signed, as older firmware kept a net sum.
   */
  driftBudgetUsed: number;
}

export interface LoadedRecord {
  /** "none" (no record files), "ok", or "corrupt" (files exist, none valid). */
  status: string;
  record: TokenRecord | null;
}

type Crc32 = (this: void, data: string) => number;

function recCrc(text: string, nativeCrc32: Crc32 | null | undefined): number {
  return nativeCrc32 !== undefined && nativeCrc32 !== null ? nativeCrc32(text) : crc32OfString(text);
}

function recByte(n: number): string {
  return String.fromCharCode(n & 255);
}

function recWord(n: number): string {
  return recByte(n >>> 24) + recByte(n >>> 16) + recByte(n >>> 8) + recByte(n);
}

/** A whole number from min to max (NaN and fractions are not). */
function recIn(n: number, min: number, max: number): boolean {
  return typeof n === "number" && Math.floor(n) === n && n >= min && n <= max;
}

/** Bytes as a byte string; an invalid byte becomes character 256, which recField refuses. */
function recString(bytes: number[]): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    text = text + String.fromCharCode(recIn(bytes[i], 0, 255) ? bytes[i] : 256);
  }
  return text;
}

/** A length byte and the text, or "" when the length or a character is out of range. */
function recField(text: string, min: number, max: number): string {
  if (text.length < min || text.length > max) {
    return "";
  }
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 255) {
      return "";
    }
  }
  return recByte(text.length) + text;
}

/**
 * The record without its CRC, with `sequence` in place of r.sequence, or "" when any field is
 * out of range. The one place the limits live: parsing re-encodes and compares.
 */
function recEncode(r: TokenRecord, sequence: number): string {
  const count = r.profiles.length;
  const drift = r.driftBudgetUsed;
  const serial = recField(r.serial, 0, 32);
  const key = recField(recString(r.managementKey), 0, 32);
  let ok = recIn(sequence, 0, 2147483647) && recIn(drift, -2147483647, 2147483647) && count <= 8 &&
    serial !== "" && key !== "";
  let payload = serial + key + recWord(drift < 0 ? (0 - drift) | 0x80000000 : drift) + recByte(count);
  for (let i = 0; i < count && ok; i++) {
    const p = r.profiles[i];
    const hotp = p.kind === "hotp";
    const label = recField(p.label, 0, 16);
    const secret = recField(p.secret, 1, 64);
    const c = p.counter;
    ok = (hotp || p.kind === "totp") && (p.algorithm === "SHA1" || p.algorithm === "SHA256") &&
      recIn(p.digits, 6, 8) && recIn(p.period, hotp ? 0 : 1, 65535) && label !== "" && secret !== "" &&
      recIn(c, INT32_RUNTIME ? c : 0, INT32_RUNTIME ? c : TWO_POW_32 - 1);
    payload = payload + label + recByte(hotp ? 1 : 0) + recByte(p.algorithm === "SHA1" ? 0 : 1) +
      recByte(p.digits) + recByte(p.period >>> 8) + recByte(p.period) + recWord(c) + secret;
  }
  if (!ok) {
    return "";
  }
  return RECORD_HEAD + recWord(sequence) + recByte(payload.length >>> 8) + recByte(payload.length) + payload;
}

/** The record's bytes with `sequence` and the CRC appended. Fails on a record out of range. */
function recWithCrc(r: TokenRecord, sequence: number, nativeCrc32: Crc32 | null | undefined): string {
  const body = recEncode(r, sequence);
  if (body === "") {
    fail("record field out of range");
  }
  return body + recWord(recCrc(body, nativeCrc32));
}

/** A record as a byte string (see the format above). Fails on a record out of range. */
export function serializeRecord(r: TokenRecord, nativeCrc32?: Crc32 | null): string {
  return recWithCrc(r, r.sequence, nativeCrc32);
}

/** The parser's cursor: the text, the next index, and where the payload ends (the CRC starts). */
let recText = "";
let recAt = 0;
let recEnd = 0;

/** The next byte; past the end 256, out of range everywhere, so the re-encoding cannot match. */
function recNext(): number {
  recAt = recAt + 1;
  return recAt <= recEnd ? recText.charCodeAt(recAt - 1) : 256;
}

/** Two bytes, big-endian (one read per statement: Lua leaves operand order open). */
function recNextShort(): number {
  const high = recNext();
  return high * 256 + recNext();
}

function recNextWord(): number {
  const high = recNextShort();
  return high * 65536 + recNextShort();
}

/** A length byte and that many characters. */
function recNextField(): string {
  const n = recNext();
  const start = recAt;
  recAt = start + n;
  return recText.substring(start, recAt);
}

function recNextBytes(): number[] {
  const field = recNextField();
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    bytes.push(field.charCodeAt(i));
  }
  return bytes;
}

/**
 * The record in `text`, or null when anything about it is wrong. Never throws. Checks the
 * CRC, decodes, and accepts only if the decoded record encodes back to exactly these bytes:
 * every range check lives in recEncode, and only canonical encodings are accepted.
 */
export function parseRecord(text: string, nativeCrc32?: Crc32 | null): TokenRecord | null {
  const end = text.length - 4;
  if (end < 11 || text.substring(0, 5) !== RECORD_HEAD ||
      text.substring(end) !== recWord(recCrc(text.substring(0, end), nativeCrc32))) {
    return null;
  }
  recText = text;
  recAt = 5;
  recEnd = end;
  const sequence = recNextWord();
  recNextShort();
  const serial = recNextField();
  const managementKey = recNextBytes();
  const sign = recNext();
  const high = (sign & 127) * 256 + recNext();
  const magnitude = high * 65536 + recNextShort();
  const count = recNext();
  const profiles: Profile[] = [];
  for (let i = 0; i < count && i < 9; i++) {
    const label = recNextField();
    const kind = recNext();
    const algorithm = recNext();
    const digits = recNext();
    const period = recNextShort();
    const counter = recNextWord();
    profiles.push({
      label: label, kind: kind === 0 ? "totp" : kind === 1 ? "hotp" : "",
      algorithm: algorithm === 0 ? "SHA1" : algorithm === 1 ? "SHA256" : "",
      digits: digits, period: period, counter: counter, secret: recNextField(),
    });
  }
  recText = "";
  const r: TokenRecord = {
    sequence: sequence, serial: serial, managementKey: managementKey, profiles: profiles,
    driftBudgetUsed: sign > 127 ? 0 - magnitude : magnitude,
  };
  return recEncode(r, sequence) === text.substring(0, end) ? r : null;
}

/** Both slots: the valid one with the higher sequence and its slot (0 = A, 1 = B, -1 none). */
interface RecCurrent {
  status: string;
  record: TokenRecord | null;
  slot: number;
}

/**
 * Whether `text` (not a valid record) is a save that lost power part-way: flash not yet
 * programmed reads 0xFF and bytes are programmed in order, so the last byte is 0xFF and the
 * CRC's programmed bytes, if any, agree with the CRC of the body. A damaged record passes this
 * about once in 2^32. A torn save of the first record leaves the token unprovisioned, as
 * before the save, not "needs setup".
 */
function recTorn(text: string, nativeCrc32: Crc32 | null | undefined): boolean {
  const end = text.length - 4;
  if (end < 0 || text.charCodeAt(text.length - 1) !== 255) {
    return false;
  }
  let written = 3;
  while (written > 0 && text.charCodeAt(end + written - 1) === 255) {
    written = written - 1;
  }
  return written === 0 ||
    text.substring(end, end + written) === recWord(recCrc(text.substring(0, end), nativeCrc32)).substring(0, written);
}

function recCurrent(hal: Hal): RecCurrent {
  const textA = hal.storageRead(RECORD_FILE_A);
  const textB = hal.storageRead(RECORD_FILE_B);
  const a = textA === null ? null : parseRecord(textA, hal.nativeCrc32);
  const b = textB === null ? null : parseRecord(textB, hal.nativeCrc32);
  if (b !== null && (a === null || b.sequence > a.sequence)) {
    return { status: "ok", record: b, slot: 1 };
  }
  if (a !== null) {
    return { status: "ok", record: a, slot: 0 };
  }
  const noneA = textA === null || recTorn(textA, hal.nativeCrc32);
  const noneB = textB === null || recTorn(textB, hal.nativeCrc32);
  return { status: noneA && noneB ? "none" : "corrupt", record: null, slot: -1 };
}

/** The current record: the valid slot with the higher sequence. */
export function loadRecord(hal: Hal): LoadedRecord {
  const current = recCurrent(hal);
  return { status: current.status, record: current.record };
}

/** The slot the last successful saveRecord wrote ("" none): it holds the current record. */
let recSavedSlot = "";

/**
 * Saves `record` with sequence = (the stored or its own sequence, whichever is higher) + 1
 * into the slot not holding the current record, then reads it back. On success sets
 * record.sequence and returns true; returns false (record and the current slot unchanged)
 * when flash is full or the read-back does not match. Fails on a record out of range.
 */
export function saveRecord(hal: Hal, record: TokenRecord): boolean {
  const current = recCurrent(hal);
  let sequence = record.sequence;
  if (current.record !== null && current.record.sequence > sequence) {
    sequence = current.record.sequence;
  }
  sequence = sequence + 1;
  const text = recWithCrc(record, sequence, hal.nativeCrc32);
  const name = current.slot === 0 ? RECORD_FILE_B : RECORD_FILE_A;
  if (!hal.storageWrite(name, text)) {
    return false;
  }
  // The bytes read back must be the bytes meant (they came from recEncode, so they parse);
  // compared without keeping the copy: on a full heap every copy of a record counts.
  if (hal.storageRead(name) !== text) {
    return false;
  }
  record.sequence = sequence;
  recSavedSlot = name;
  return true;
}

/**
 * Erases both slots, the one not holding the current record first: a power cut between the
 * two erases then leaves the current record, never the older one (an older HOTP counter
 * would show codes again). Then compacts, so that the erased seeds leave the flash: this is
 * the one flow that compacts (WIPE and FACTORY_RESET, a token's last act for its owner). A
 * cut inside the compaction cannot bring a record back; it can lose files written after the
 * records (the firmware: `tokensmith install` puts it back).
 */
export function wipeRecords(hal: Hal): void {
  recSavedSlot = "";
  const older = recCurrent(hal).slot === 1 ? RECORD_FILE_A : RECORD_FILE_B;
  hal.storageErase(older);
  hal.storageErase(older === RECORD_FILE_A ? RECORD_FILE_B : RECORD_FILE_A);
  recCompact(hal);
}

/** Erased records stay readable in flash until compaction: compact where the platform can. */
function recCompact(hal: Hal): void {
  const compact = hal.storageCompact;
  if (compact !== null) {
    compact();
  }
}

/**
 * Erases the slot that does not hold the current record. After a re-provisioning the other
 * slot still holds the previous secrets: once the new record is safely written they have no
 * use. Erasing only marks the file deleted; its bytes stay in flash until Storage next
 * compacts (Espruino refuses to program bytes already written, so they cannot be zeroed
 * through Storage). Re-provisioning does not compact: a compaction is not power-safe, and a
 * cut in it could lose the new record.
 */
export function forgetPreviousRecord(hal: Hal): void {
  // Right after a save its slot is known: no second parse of a record that may hold eight
  // profiles (on a 4,000-variable heap, that copy was the difference).
  let kept = recSavedSlot;
  if (kept === "") {
    const current = recCurrent(hal);
    if (current.status !== "ok") {
      return;
    }
    kept = current.slot === 0 ? RECORD_FILE_A : RECORD_FILE_B;
  }
  hal.storageErase(kept === RECORD_FILE_A ? RECORD_FILE_B : RECORD_FILE_A);
}
