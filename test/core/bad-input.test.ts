/**
 * Bad input gives a clear error, never a code, with the same message on every runtime.
 * Also: the lenient spellings people paste (spaces, dashes, lowercase, no padding) are accepted.
 */
import { describe, expect, it } from "vitest";
import { generateSync } from "otplib";
import { RFC4226_SECRET_HEX } from "../vectors/index.js";
import { cases, type Case } from "../runtimes/cases.js";
import { listRuntimes } from "../runtimes/index.js";

const KEY = RFC4226_SECRET_HEX;
const E = (message: string) => ({ ok: false, error: `tokensmith: ${message}` });
const OK = (value: string) => ({ ok: true, value });

/** [what, case, expected outcome] */
const table: Array<[string, Case, { ok: boolean; value?: string; error?: string }]> = [
  ["odd-length hex", cases.hotp("3132333", 0, 6, "SHA1"), E("hex has an odd number of digits: every byte takes two")],
  ["bad hex character", cases.hexToBytes("31g2"), E("invalid hex character 'g' at position 3 (expected 0-9 or a-f)")],
  ["hex with a control byte", cases.hexToBytes("31\u000132"), E("invalid hex character byte 1 at position 3 (expected 0-9 or a-f)")],
  ["0x prefix is not hex", cases.hexToBytes("0x3132"), E("invalid hex character 'x' at position 2 (expected 0-9 or a-f)")],
  ["pasted hex: spaces, dashes, uppercase", cases.hexToBytes(" 31 32-3A\tbC\n"), OK("31323abc")],
  ["bad Base32 character", cases.base32ToBytes("MZXW1YTB"), E("invalid Base32 character '1' at position 5 (expected A-Z or 2-7)")],
  ["Base32 padding in the middle", cases.base32ToBytes("MY==MZXQ"), E("Base32 padding '=' may only come at the end, but 'M' at position 5 follows it")],
  ["Base32 impossible length", cases.base32ToBytes("MZXW6YTBO"), E("Base32 length 9 is not a whole number of bytes (a character is missing or extra)")],
  ["Base32 non-zero leftover bits", cases.base32ToBytes("MZXW7"), E("Base32 ends with non-zero leftover bits: the key looks truncated or mistyped")],
  // Every length of a final group (RFC 4648 section 6): 2, 4, 5 and 7 symbols carry 1 to 4
  // bytes (the RFC's own "foobar" vectors); 1, 3 and 6 cannot end a Base32 text.
  ["Base32 final group of 1", cases.base32ToBytes("MZXW6YTBO"), E("Base32 length 9 is not a whole number of bytes (a character is missing or extra)")],
  ["Base32 final group of 2", cases.base32ToBytes("MZXW6YTBMY"), OK("666f6f626166")],
  ["Base32 final group of 3", cases.base32ToBytes("MZXW6YTBMZX"), E("Base32 length 11 is not a whole number of bytes (a character is missing or extra)")],
  ["Base32 final group of 4", cases.base32ToBytes("MZXW6YTBMZXQ"), OK("666f6f6261666f")],
  ["Base32 final group of 5", cases.base32ToBytes("MZXW6YTBMZXW6"), OK("666f6f6261666f6f")],
  ["Base32 final group of 6", cases.base32ToBytes("MZXW6YTBMZXW6Y"), E("Base32 length 14 is not a whole number of bytes (a character is missing or extra)")],
  ["Base32 final group of 7", cases.base32ToBytes("MZXW6YTBMZXW6YQ"), OK("666f6f6261666f6f62")],
  ["Base32 final group of 6, padded", cases.base32ToBytes("MZXW6Y=="), E("Base32 length 6 is not a whole number of bytes (a character is missing or extra)")],
  ["pasted Base32: lowercase, spaces, dashes, no padding", cases.base32ToBytes("mzxw 6ytb-oi"), OK("666f6f626172")],
  ["empty secret", cases.hotp("", 0, 6, "SHA1"), E("the secret is empty")],
  ["secret of separators only", cases.totp(" - ", 59, 30, 6, "SHA1"), E("the secret is empty")],
  ["digits 5", cases.hotp(KEY, 0, 5, "SHA1"), E("digits must be 6, 7 or 8")],
  ["digits 9", cases.totp(KEY, 59, 30, 9, "SHA1"), E("digits must be 6, 7 or 8")],
  ["digits 6.5", cases.hotp(KEY, 0, 6.5, "SHA1"), E("digits must be 6, 7 or 8")],
  ["period 0", cases.totp(KEY, 59, 0, 6, "SHA1"), E("period must be a whole number of seconds from 1 to 65535")],
  ["period 65536", cases.totp(KEY, 59, 65536, 6, "SHA1"), E("period must be a whole number of seconds from 1 to 65535")],
  ["period 1.5", cases.totp(KEY, 59, 1.5, 6, "SHA1"), E("period must be a whole number of seconds from 1 to 65535")],
  ["fractional time", cases.totp(KEY, 59.5, 30, 6, "SHA1"), E("time must be a whole number")],
  ["fractional counter", cases.hotp(KEY, 0.5, 6, "SHA1"), E("counter must be a whole number")],
  ["unknown algorithm", cases.hotp(KEY, 0, 6, "SHA512"), E("unknown algorithm 'SHA512' (expected SHA1 or SHA256)")],
  ["algorithm names are exact", cases.totp(KEY, 59, 30, 6, "sha1"), E("unknown algorithm 'sha1' (expected SHA1 or SHA256)")],
  ["time before T0", cases.totp(KEY, 59, 30, 6, "SHA1", 60), E("time is before T0")],
  ["unknown digest algorithm", cases.digest("MD5", "61"), E("unknown algorithm 'MD5' (expected SHA1 or SHA256)")],
];

const oracle = (time: number) =>
  generateSync({ secret: Buffer.from(KEY, "hex"), epoch: time, period: 30, digits: 6, algorithm: "sha1" });

const { available } = listRuntimes();

describe.each(available)("$name", (runtime) => {
  it.each(table)("%s", (_what, input, expected) => {
    expect(runtime.run([input])).toEqual([expected]);
  });

  it("T0 shifts the counter (RFC 6238 section 4.2)", () => {
    // time 89 with T0 = 30 is step 1, the same as time 59 with T0 = 0.
    expect(runtime.run([cases.totp(KEY, 89, 30, 6, "SHA1", 30)])).toEqual([OK(oracle(59))]);
  });

  if (runtime.int32) {
    it("a negative time is the 32-bit word congruent to it (post-2038 time on an int32 Lua)", () => {
      expect(runtime.run([cases.totp(KEY, -5, 30, 6, "SHA1")])).toEqual([OK(oracle(2 ** 32 - 5))]);
    });
  } else {
    it("negative time and counter are refused", () => {
      expect(runtime.run([cases.totp(KEY, -1, 30, 6, "SHA1"), cases.hotp(KEY, -1, 6, "SHA1")])).toEqual([
        E("time must not be negative"),
        E("counter must not be negative"),
      ]);
    });
    it("time 2^32 is refused; 2^32 - 1 is the last valid second", () => {
      expect(runtime.run([cases.totp(KEY, 2 ** 32, 30, 6, "SHA1"), cases.totp(KEY, 2 ** 32 - 1, 30, 6, "SHA1")])).toEqual([
        E("time must be below 2^32 (4294967296)"),
        OK(oracle(2 ** 32 - 1)),
      ]);
    });
  }
});
