/**
 * A counter in flash that only ever goes up, for nonces (firmware/app/nonce.ts), power-safe
 * without a single erase in normal use.
 *
 * NOR flash programs bits from 1 to 0 without an erase, and Espruino's Storage lets a file's
 * still-erased (0xFF) bytes be programmed in place (write with an offset). So the counter is a
 * tally: a file of COUNTER_FILE_BYTES, its first 8 bytes an epoch and the epoch's CRC-32 (both
 * big-endian, written when the file is created), the rest tally bytes programmed to 0x00 one at
 * a time, in order. Its value
 * is epoch * TALLY_BYTES + (tally bytes programmed). Advancing programs one byte: a power cut
 * leaves that byte either 0xFF (not counted, the nonce was not issued) or partly programmed
 * (counted: a value is skipped, never repeated).
 *
 * A full tally rolls over to the other file with epoch + 1, and only then is the full one
 * erased: a cut in between leaves both, and the higher epoch wins. A file whose header was cut
 * short fails its CRC (unwritten bytes read 0xFF) and is ignored: no nonce was issued from it,
 * and the next advance writes it again.
 */
import type { Hal } from "../platform/hal.js";
import { crc32OfString } from "../../shared/codec/crc32.js";

export const COUNTER_FILE_A = "tsctr.a";
export const COUNTER_FILE_B = "tsctr.b";
/** The epoch and its CRC-32. */
const HEADER_BYTES = 8;
/** Tally bytes per file: 120 + the 8-byte header = 128 bytes. */
export const TALLY_BYTES = 120;
export const COUNTER_FILE_BYTES = HEADER_BYTES + TALLY_BYTES;
/** Epochs stay below 2^24, so the value (< 2^31) is exact in a 32-bit Lua integer too. */
const MAX_EPOCH = 16777216;

interface CounterFile {
  name: string;
  epoch: number;
  /** Tally bytes programmed. */
  used: number;
}

function ctrWord(n: number): string {
  return String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

function ctrEpoch(text: string): number {
  return ((text.charCodeAt(0) * 256 + text.charCodeAt(1)) * 256 + text.charCodeAt(2)) * 256 + text.charCodeAt(3);
}

/** The header of a file of `epoch`: the epoch and its CRC-32, 8 bytes. */
function ctrHeader(hal: Hal, epoch: number): string {
  const word = ctrWord(epoch);
  const crcOf = hal.nativeCrc32;
  return word + ctrWord(crcOf !== null ? crcOf(word) : crc32OfString(word));
}

function ctrRead(hal: Hal, name: string): CounterFile | null {
  const text = hal.storageRead(name);
  if (text === null || text.length !== COUNTER_FILE_BYTES) {
    return null;
  }
  const epoch = ctrEpoch(text);
  if (epoch >= MAX_EPOCH || text.substring(0, HEADER_BYTES) !== ctrHeader(hal, epoch)) {
    return null;
  }
  let used = 0;
  while (used < TALLY_BYTES && text.charCodeAt(HEADER_BYTES + used) !== 255) {
    used = used + 1;
  }
  return { name: name, epoch: epoch, used: used };
}

/** The file with the higher epoch, or null when neither is valid. */
function ctrCurrent(hal: Hal): CounterFile | null {
  const a = ctrRead(hal, COUNTER_FILE_A);
  const b = ctrRead(hal, COUNTER_FILE_B);
  if (a === null) {
    return b;
  }
  return b !== null && b.epoch > a.epoch ? b : a;
}

/** The counter's value now (0 before the first advance). */
export function counterValue(hal: Hal): number {
  const current = ctrCurrent(hal);
  return current === null ? 0 : current.epoch * TALLY_BYTES + current.used;
}

/**
 * Advances the counter and returns its new value, or -1 when flash could not take it (full,
 * or the counter is exhausted): the caller must then not issue anything that needs a fresh value.
 */
export function advanceCounter(hal: Hal): number {
  let current = ctrCurrent(hal);
  if (current === null || current.used >= TALLY_BYTES) {
    const epoch = current === null ? 0 : current.epoch + 1;
    if (epoch >= MAX_EPOCH) {
      return -1;
    }
    const name = current !== null && current.name === COUNTER_FILE_A ? COUNTER_FILE_B : COUNTER_FILE_A;
    if (!hal.storageWriteAt(name, ctrHeader(hal, epoch), 0, COUNTER_FILE_BYTES)) {
      return -1;
    }
    if (current !== null) {
      hal.storageErase(current.name);
    }
    current = { name: name, epoch: epoch, used: 0 };
  }
  if (!hal.storageWriteAt(current.name, "\x00", HEADER_BYTES + current.used, COUNTER_FILE_BYTES)) {
    return -1;
  }
  const after = ctrRead(hal, current.name);
  if (after === null || after.used !== current.used + 1) {
    return -1;
  }
  return after.epoch * TALLY_BYTES + after.used;
}
