import { fail } from "../fail.js";
import { SHA1_INITIAL_STATE, sha1Compress } from "./sha1.js";
import { SHA256_INITIAL_STATE, sha256Compress } from "./sha256.js";

/**
 * The hash seam. Each algorithm is a pure compression function plus its initial state; a
 * platform may also supply a native one-shot digest (node:crypto, Espruino's
 * require("crypto").SHA1, NodeMCU's crypto) that HMAC uses instead, giving identical output.
 * The native digest takes and returns byte strings (characters 0-255), as Espruino's and
 * NodeMCU's crypto do: a prepared key keeps its pads as strings, so a code costs two native
 * calls and no conversion of 64-byte arrays (on Espruino that conversion cost more than the hash).
 */
export type NativeDigest = (this: void, message: string) => string;

export interface HashAlgorithm {
  /** "SHA1" or "SHA256": the names used on the wire, in otpauth URIs and in PSKC. */
  name: string;
  /** Digest length in 32-bit words (5 or 8). */
  digestWords: number;
  initialState: number[];
  /** Compresses one 16-word block into the state in place, overwriting the block. */
  compress: (this: void, state: number[], block: number[]) => void;
}

export const SHA1: HashAlgorithm = {
  name: "SHA1",
  digestWords: 5,
  initialState: SHA1_INITIAL_STATE,
  compress: sha1Compress,
};

export const SHA256: HashAlgorithm = {
  name: "SHA256",
  digestWords: 8,
  initialState: SHA256_INITIAL_STATE,
  compress: sha256Compress,
};

/** Block size in bytes of both SHA-1 and SHA-256. */
export const HASH_BLOCK_BYTES = 64;

/** Looks up an algorithm by the name used everywhere in tokensmith ("SHA1", "SHA256"). */
export function hashAlgorithm(name: string): HashAlgorithm {
  if (name === "SHA1") {
    return SHA1;
  }
  if (name === "SHA256") {
    return SHA256;
  }
  return fail("unknown algorithm '" + name + "' (expected SHA1 or SHA256)");
}

/** Counts compressions, so benchmarks can show that a cached-pad code costs exactly 2. */
let compressionCount = 0;

export function compressionsSoFar(): number {
  return compressionCount;
}

/** The one place a compression happens: counted, then delegated to the algorithm. */
export function compressBlock(hash: HashAlgorithm, state: number[], block: number[]): void {
  compressionCount = compressionCount + 1;
  hash.compress(state, block);
}

export function copyWords(words: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(words[i]);
  }
  return out;
}

/** The big-endian bytes of the first `count` words. */
export function wordsToBytes(words: number[], count: number): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < count; i++) {
    const w = words[i];
    bytes.push((w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255);
  }
  return bytes;
}

/**
 * Finishes a hash whose state has already absorbed `absorbedBytes` (a multiple of 64) of
 * input: absorbs `length` message bytes read through `byteAt`, pads (FIPS 180-4 section 5.1.1)
 * and returns the digest bytes. The state is modified in place. The message is read block by
 * block, never copied: a 1.3 KB authorised PROVISION copied into arrays twice ran a
 * 4,000-variable heap out.
 */
export function finishHashWith(hash: HashAlgorithm, state: number[], absorbedBytes: number, length: number, byteAt: (this: void, index: number) => number): number[] {
  const total = absorbedBytes + length;
  // Bit length as a 64-bit big-endian integer: high word = total >>> 29, low word = total << 3.
  const high = total >>> 29;
  const low = total << 3;
  // The message, 0x80, zeros, and the 8-byte length end on a multiple of 64.
  const paddedLength = ((length + 8) | 63) + 1;
  const lengthAt = paddedLength - 8;
  const block = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let offset = 0; offset < paddedLength; offset = offset + 64) {
    for (let j = 0; j < 16; j++) {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        const p = offset + (j << 2) + k;
        let b = 0;
        if (p < length) {
          b = byteAt(p);
        } else if (p === length) {
          b = 0x80;
        } else if (p >= lengthAt) {
          const i = p - lengthAt;
          b = i < 4 ? (high >>> (24 - (i << 3))) & 255 : (low >>> (56 - (i << 3))) & 255;
        }
        w = (w << 8) | b;
      }
      block[j] = w;
    }
    compressBlock(hash, state, block);
  }
  return wordsToBytes(state, hash.digestWords);
}

/** finishHashWith over a byte array. */
export function finishHash(hash: HashAlgorithm, state: number[], absorbedBytes: number, message: number[]): number[] {
  return finishHashWith(hash, state, absorbedBytes, message.length, function (i: number): number {
    return message[i];
  });
}

/** Bytes (0-255) as a byte string, for a native digest. */
export function byteString(bytes: number[]): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    text = text + String.fromCharCode(bytes[i]);
  }
  return text;
}

/** A byte string's bytes. */
export function stringBytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    bytes.push(text.charCodeAt(i));
  }
  return bytes;
}

/** One-shot digest of a byte array with the pure implementation. */
export function digest(hash: HashAlgorithm, message: number[]): number[] {
  return finishHash(hash, copyWords(hash.initialState), 0, message);
}
