import { fail } from "../fail.js";
import {
  HASH_BLOCK_BYTES,
  HashAlgorithm,
  NativeDigest,
  byteString,
  compressBlock,
  copyWords,
  digest,
  finishHash,
  finishHashWith,
  stringBytes,
} from "./hash.js";

/**
 * HMAC (RFC 2104) with the key schedule done once.
 *
 * RFC 2104 section 4 notes that the hashes of (K ^ ipad) and (K ^ opad) can be precomputed and
 * stored. A token computes many codes with one key, so a prepared key holds those two
 * intermediate states and each HMAC over a short message then costs 2 compressions instead
 * of 4. When the platform supplies a native digest (one-shot, no resumable state) the key
 * holds the two 64-byte padded keys instead, as byte strings.
 */
export interface HmacKey {
  hash: HashAlgorithm;
  /** State after absorbing K ^ ipad (pure path). */
  innerState: number[];
  /** State after absorbing K ^ opad (pure path). */
  outerState: number[];
  /** Native one-shot digest, or null for the pure path. */
  native: NativeDigest | null;
  /** K ^ ipad and K ^ opad as byte strings (native path only; "" otherwise). */
  innerPad: string;
  outerPad: string;
}

const IPAD = 0x36;
const OPAD = 0x5c;

function padBlockWords(key: number[], pad: number): number[] {
  const block: number[] = [];
  for (let j = 0; j < 16; j++) {
    let w = 0;
    for (let k = 0; k < 4; k++) {
      const p = (j << 2) + k;
      const b = p < key.length ? key[p] : 0;
      w = (w << 8) | (b ^ pad);
    }
    block.push(w);
  }
  return block;
}

function padText(key: number[], pad: number): string {
  let text = "";
  for (let p = 0; p < HASH_BLOCK_BYTES; p++) {
    text = text + String.fromCharCode((p < key.length ? key[p] : 0) ^ pad);
  }
  return text;
}

/**
 * Prepares an HMAC key. Keys longer than the block are hashed first (RFC 2104 section 2).
 * An empty key is refused: no OTP secret is empty, so an empty one is a caller's mistake.
 */
export function prepareHmacKey(hash: HashAlgorithm, key: number[], native: NativeDigest | null): HmacKey {
  if (key.length === 0) {
    fail("the secret is empty");
  }
  let k = key;
  if (k.length > HASH_BLOCK_BYTES) {
    k = native !== null ? stringBytes(native(byteString(k))) : digest(hash, k);
  }
  if (native !== null) {
    return {
      hash: hash,
      innerState: [],
      outerState: [],
      native: native,
      innerPad: padText(k, IPAD),
      outerPad: padText(k, OPAD),
    };
  }
  const innerState = copyWords(hash.initialState);
  compressBlock(hash, innerState, padBlockWords(k, IPAD));
  const outerState = copyWords(hash.initialState);
  compressBlock(hash, outerState, padBlockWords(k, OPAD));
  return { hash: hash, innerState: innerState, outerState: outerState, native: null, innerPad: "", outerPad: "" };
}

/** HMAC of a byte message of any length; returns the MAC bytes. */
export function hmac(key: HmacKey, message: number[]): number[] {
  const native = key.native;
  if (native !== null) {
    return stringBytes(native(key.outerPad + native(key.innerPad + byteString(message))));
  }
  const inner = finishHash(key.hash, copyWords(key.innerState), HASH_BLOCK_BYTES, message);
  return finishHash(key.hash, copyWords(key.outerState), HASH_BLOCK_BYTES, inner);
}

/**
 * HMAC of a text message (a byte string), read in place: no byte array of the message is made,
 * so an authorisation over a whole PROVISION frame costs its blocks, not its length in variables.
 */
export function hmacText(key: HmacKey, text: string): number[] {
  const native = key.native;
  if (native !== null) {
    return stringBytes(native(key.outerPad + native(key.innerPad + text)));
  }
  const inner = finishHashWith(key.hash, copyWords(key.innerState), HASH_BLOCK_BYTES, text.length, function (i: number): number {
    return text.charCodeAt(i) & 255;
  });
  return finishHash(key.hash, copyWords(key.outerState), HASH_BLOCK_BYTES, inner);
}

/**
 * The native path's HMAC of an 8-byte counter (two words), as a byte string: two native calls
 * on strings and nothing else. The key must have a native digest.
 */
export function hmacCounterText(key: HmacKey, high: number, low: number): string {
  const native = key.native as NativeDigest;
  const message = String.fromCharCode(
    (high >>> 24) & 255, (high >>> 16) & 255, (high >>> 8) & 255, high & 255,
    (low >>> 24) & 255, (low >>> 16) & 255, (low >>> 8) & 255, low & 255,
  );
  return native(key.outerPad + native(key.innerPad + message));
}

/**
 * HMAC of an 8-byte message given as two words (an OTP counter, RFC 4226 section 5.2), built
 * straight into hash blocks: exactly 2 compressions on the pure path, no byte arrays.
 * Returns the MAC as words (5 or 8); the returned array is fresh.
 */
export function hmacCounterWords(key: HmacKey, high: number, low: number): number[] {
  const hash = key.hash;
  const native = key.native;
  if (native !== null) {
    const mac = hmacCounterText(key, high, low);
    const words: number[] = [];
    for (let i = 0; i < mac.length; i = i + 4) {
      words.push((mac.charCodeAt(i) << 24) | (mac.charCodeAt(i + 1) << 16) | (mac.charCodeAt(i + 2) << 8) | mac.charCodeAt(i + 3));
    }
    return words;
  }
  // Inner block: counter (8 bytes), 0x80, zeros, bit length of ipad block + 8 bytes = 576.
  const inner = copyWords(key.innerState);
  compressBlock(hash, inner, [high, low, 0x80000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 576]);
  // Outer block: inner digest, 0x80, zeros, bit length of opad block + digest.
  const block: number[] = [];
  const n = hash.digestWords;
  for (let i = 0; i < n; i++) {
    block.push(inner[i]);
  }
  block.push(0x80000000);
  while (block.length < 15) {
    block.push(0);
  }
  block.push((HASH_BLOCK_BYTES + (n << 2)) << 3);
  const outer = copyWords(key.outerState);
  compressBlock(hash, outer, block);
  return outer;
}
