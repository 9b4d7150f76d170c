/**
 * Published vectors (test/vectors) on every runtime: RFC 4226 Appendix D, RFC 6238 Appendix B,
 * RFC 2202, FIPS 180 examples, RFC 4648, and the CRC-32 check value.
 */
import { describe, expect, it } from "vitest";
import {
  CRC32_CHECK,
  FIPS180_DIGESTS,
  RFC2202_HMAC_SHA1,
  RFC4226_HOTP,
  RFC4226_SECRET_HEX,
  RFC4648_VECTORS,
  RFC6238_SEEDS,
  RFC6238_TOTP,
  asciiHex,
} from "../vectors/index.js";
import { cases } from "../runtimes/cases.js";
import { listRuntimes } from "../runtimes/index.js";

const { available, unavailable } = listRuntimes();

describe.each(available)("$name", (runtime) => {
  it("RFC 4226 Appendix D: HOTP counters 0-9", () => {
    const results = runtime.run(RFC4226_HOTP.map((_, counter) => cases.hotp(RFC4226_SECRET_HEX, counter, 6, "SHA1")));
    expect(results).toEqual(RFC4226_HOTP.map((value) => ({ ok: true, value })));
  });

  it("RFC 6238 Appendix B: TOTP SHA-1 and SHA-256, 8 digits", () => {
    const inRange = RFC6238_TOTP.filter((v) => v.time < 2 ** 32);
    const results = runtime.run(inRange.map((v) => cases.totp(RFC6238_SEEDS[v.algorithm], v.time, 30, 8, v.algorithm)));
    expect(results).toEqual(inRange.map((v) => ({ ok: true, value: v.code })));
  });

  it("RFC 6238 Appendix B rows past 2^32: their counter gives the code; the time is refused", () => {
    const beyond = RFC6238_TOTP.filter((v) => v.time >= 2 ** 32);
    const viaCounter = runtime.run(beyond.map((v) => cases.hotp(RFC6238_SEEDS[v.algorithm], v.counter, 8, v.algorithm)));
    expect(viaCounter).toEqual(beyond.map((v) => ({ ok: true, value: v.code })));
    if (!runtime.int32) {
      const refused = runtime.run(beyond.map((v) => cases.totp(RFC6238_SEEDS[v.algorithm], v.time, 30, 8, v.algorithm)));
      for (const outcome of refused) expect(outcome).toEqual({ ok: false, error: "tokensmith: time must be below 2^32 (4294967296)" });
    }
  });

  it("RFC 2202: HMAC-SHA-1 test cases 1-7", () => {
    const results = runtime.run(RFC2202_HMAC_SHA1.map((v) => cases.hmac("SHA1", v.keyHex, v.messageHex)));
    expect(results).toEqual(RFC2202_HMAC_SHA1.map((v) => ({ ok: true, value: v.macHex })));
  });

  it("FIPS 180 SHA-1 and SHA-256 examples", () => {
    const vectors = FIPS180_DIGESTS.filter((v) => runtime.fast || !v.heavy);
    const results = runtime.run(vectors.map((v) => cases.digest(v.algorithm, v.messageHex)));
    expect(results).toEqual(vectors.map((v) => ({ ok: true, value: v.digestHex })));
  });

  it("RFC 4648: Base32 both ways and Base16 decoding", () => {
    const encode = runtime.run(RFC4648_VECTORS.map((v) => cases.bytesToBase32(asciiHex(v.text), true)));
    expect(encode).toEqual(RFC4648_VECTORS.map((v) => ({ ok: true, value: v.base32 })));
    const decode = runtime.run(RFC4648_VECTORS.map((v) => cases.base32ToBytes(v.base32)));
    expect(decode).toEqual(RFC4648_VECTORS.map((v) => ({ ok: true, value: asciiHex(v.text) })));
    const hex = runtime.run(RFC4648_VECTORS.map((v) => cases.hexToBytes(v.base16)));
    expect(hex).toEqual(RFC4648_VECTORS.map((v) => ({ ok: true, value: asciiHex(v.text) })));
  });

  it("CRC-32/ISO-HDLC check value", () => {
    expect(runtime.run([cases.crc32(CRC32_CHECK.textHex)])).toEqual([{ ok: true, value: CRC32_CHECK.crcHex }]);
  });
});

describe.skipIf(unavailable.length === 0)("runtimes not available here", () => {
  it.skip.each(unavailable.map((u) => [`${u.name}: ${u.reason}`]))("%s", () => {});
});
