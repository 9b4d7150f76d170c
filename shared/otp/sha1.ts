/**
 * SHA-1 compression function (FIPS 180-4 section 6.1.2).
 *
 * Written for an interpreter that executes source text (Espruino): four loops instead of a
 * branch per round, the message schedule kept in the 16-word block itself (w[t & 15]), and no
 * allocation. Words are only combined with & | ^ ~ << >>> and (sum) | 0.
 */

/** Initial hash value H(0), FIPS 180-4 section 5.3.1. */
export const SHA1_INITIAL_STATE = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/**
 * Compresses one 64-byte block (16 big-endian words) into `state` (5 words), in place.
 * The block is used as the message-schedule buffer and is overwritten.
 */
export function sha1Compress(state: number[], w: number[]): void {
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let t = 0;
  let x = 0;
  let i = 0;
  for (; i < 16; i++) {
    t = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + w[i] + 0x5a827999) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 20; i++) {
    x = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
    x = (x << 1) | (x >>> 31);
    w[i & 15] = x;
    t = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + x + 0x5a827999) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 40; i++) {
    x = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
    x = (x << 1) | (x >>> 31);
    w[i & 15] = x;
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + x + 0x6ed9eba1) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 60; i++) {
    x = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
    x = (x << 1) | (x >>> 31);
    w[i & 15] = x;
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + x + 0x8f1bbcdc) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 80; i++) {
    x = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
    x = (x << 1) | (x >>> 31);
    w[i & 15] = x;
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + x + 0xca62c1d6) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
}
