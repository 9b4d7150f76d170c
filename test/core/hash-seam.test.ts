/**
 * The hash seam: the pure SHA-1/SHA-256/HMAC and the native digests plugged in through
 * useNativeDigest give identical bytes, checked against node:crypto as the oracle; a prepared
 * key costs exactly 2 compressions per code.
 */
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { nodeNativeDigest } from "../../host/core/otp.js";
import { createHash, createHmac } from "node:crypto";
import * as core from "../../shared/core.js";
import { divideWord, totpCounter } from "../../shared/otp/totp.js";
import { wordLessThan } from "../../shared/codec/words.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

afterEach(() => {
  core.useNativeDigest("SHA1", null);
  core.useNativeDigest("SHA256", null);
});

describe.each([
  ["SHA1", "sha1"],
  ["SHA256", "sha256"],
] as const)("%s", (name, nodeName) => {
  it("pure digest equals node:crypto for every length from 0 to 200 bytes (all padding cases)", () => {
    for (let length = 0; length <= 200; length++) {
      const message = Buffer.alloc(length, length & 255).map((b, i) => (b + i * 7) & 255);
      expect(core.digestHex(name, hex(message)), `length ${length}`).toBe(createHash(nodeName).update(message).digest("hex"));
    }
  });

  it("pure and native HMAC both equal node:crypto HMAC, keys 1-150 bytes (longer than a block too)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 150 }), fc.uint8Array({ maxLength: 200 }), (key, message) => {
        const expected = createHmac(nodeName, key).update(message).digest("hex");
        core.useNativeDigest(name, null);
        const pure = core.hmacHex(name, hex(key), hex(message));
        core.useNativeDigest(name, nodeNativeDigest(name));
        const native = core.hmacHex(name, hex(key), hex(message));
        core.useNativeDigest(name, null);
        return pure === expected && native === expected;
      }),
      { numRuns: 200 },
    );
  });

  it("pure and native paths give identical TOTP codes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 64 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (secret, time) => {
        const pure = core.totp(hex(secret), time, 30, 8, name);
        core.useNativeDigest(name, nodeNativeDigest(name));
        const native = core.totp(hex(secret), time, 30, 8, name);
        core.useNativeDigest(name, null);
        return pure === native;
      }),
      { numRuns: 200 },
    );
  });

  it("a prepared key costs exactly 2 compressions per code on the pure path", () => {
    const key = core.prepareKey("3132333435363738393031323334353637383930", name);
    const before = core.compressionsSoFar();
    for (let t = 0; t < 100; t++) core.totpWithKey(key, 1_700_000_000 + t * 30, 30, 6);
    expect(core.compressionsSoFar() - before).toBe(200);
  });
});

describe("time-step arithmetic without division", () => {
  it("divideWord equals Math.floor(n / d) at the edges of the 32-bit range", () => {
    const edges = [0, 1, 29, 30, 59, 60, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1, 1_700_000_000];
    for (const n of edges) {
      for (const d of [1, 2, 30, 60, 65535]) {
        // A quotient is a word: compare its unsigned value.
        expect(divideWord(n | 0, d) >>> 0, `${n} / ${d}`).toBe(Math.floor(n / d));
      }
    }
  });

  it("divideWord equals Math.floor(n / d) for random words and periods", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 65535 }), (n, d) => (divideWord(n | 0, d) >>> 0) === Math.floor(n / d)),
      { numRuns: 2000 },
    );
  });

  it("wordLessThan compares words as unsigned, however they are held", () => {
    expect(wordLessThan(-1, 0)).toBe(false); // 0xFFFFFFFF < 0 is false
    expect(wordLessThan(0, -1)).toBe(true);
    expect(wordLessThan(2 ** 31, 2 ** 31 - 1)).toBe(false);
    expect(wordLessThan(5, 5)).toBe(false);
    expect(wordLessThan(0x7fff_ffff, 0x8000_0000 | 0)).toBe(true);
  });

  it("the counter for a time held as a negative int32 word equals that of its unsigned value", () => {
    expect(totpCounter((2 ** 32 - 5) | 0, 0, 30)).toBe(Math.floor((2 ** 32 - 5) / 30));
  });
});
