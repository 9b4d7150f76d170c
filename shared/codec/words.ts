import { bytesToHex } from "./hex.js";

/**
 * Helpers for 32-bit words held as any value congruent modulo 2^32 (PORTABLE-SUBSET rule 2):
 * JS int32/uint32, Lua 5.1 bitop's signed int32, Lua 5.3's 64-bit integers, NodeMCU's int32.
 */

/** Byte k (0 = most significant) of a word. */
export function wordByte(word: number, k: number): number {
  return (word >>> (24 - (k << 3))) & 255;
}

/** The four big-endian bytes of a word. */
export function wordToBytes(word: number): number[] {
  return [(word >>> 24) & 255, (word >>> 16) & 255, (word >>> 8) & 255, word & 255];
}

/** A word as 8 lowercase hex digits: the only safe way to show or compare a whole word. */
export function wordToHex(word: number): string {
  return bytesToHex(wordToBytes(word));
}

/** Unsigned a < b for two words, compared by 16-bit halves (exact on every runtime). */
export function wordLessThan(a: number, b: number): boolean {
  const ah = (a >>> 16) & 65535;
  const bh = (b >>> 16) & 65535;
  if (ah !== bh) {
    return ah < bh;
  }
  return (a & 65535) < (b & 65535);
}
