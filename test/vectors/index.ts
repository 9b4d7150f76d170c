/**
 * Every published vector the tests use, in one place. Each block cites its source; expected
 * values are copied from the documents, never produced by our code.
 */

/** ASCII text as hex (the RFCs give their keys and messages as text). */
export function asciiHex(text: string): string {
  return Buffer.from(text, "latin1").toString("hex");
}

/** RFC 4226 Appendix D: HOTP, SHA-1, 6 digits, secret "12345678901234567890". */
export const RFC4226_SECRET_HEX = asciiHex("12345678901234567890");
export const RFC4226_HOTP = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];

/** RFC 6238 Appendix B: TOTP, 8 digits, period 30, T0 = 0. Seeds per algorithm (ASCII). */
export const RFC6238_SEEDS = {
  SHA1: asciiHex("12345678901234567890"),
  SHA256: asciiHex("12345678901234567890123456789012"),
} as const;

export interface TotpVector {
  time: number;
  counter: number; // T from the table (hex column), as a number
  algorithm: "SHA1" | "SHA256";
  code: string;
}

export const RFC6238_TOTP: TotpVector[] = [
  { time: 59, counter: 0x1, algorithm: "SHA1", code: "94287082" },
  { time: 59, counter: 0x1, algorithm: "SHA256", code: "46119246" },
  { time: 1111111109, counter: 0x23523ec, algorithm: "SHA1", code: "07081804" },
  { time: 1111111109, counter: 0x23523ec, algorithm: "SHA256", code: "68084774" },
  { time: 1111111111, counter: 0x23523ed, algorithm: "SHA1", code: "14050471" },
  { time: 1111111111, counter: 0x23523ed, algorithm: "SHA256", code: "67062674" },
  { time: 1234567890, counter: 0x273ef07, algorithm: "SHA1", code: "89005924" },
  { time: 1234567890, counter: 0x273ef07, algorithm: "SHA256", code: "91819424" },
  { time: 2000000000, counter: 0x3f940aa, algorithm: "SHA1", code: "69279037" },
  { time: 2000000000, counter: 0x3f940aa, algorithm: "SHA256", code: "90698825" },
  // 20000000000 is past 2^32: tokensmith's time range ends in 2106, so this row is checked
  // through its counter (HOTP with T) and the time itself must be refused.
  { time: 20000000000, counter: 0x27bc86aa, algorithm: "SHA1", code: "65353130" },
  { time: 20000000000, counter: 0x27bc86aa, algorithm: "SHA256", code: "77737706" },
];

export interface HmacVector {
  name: string;
  keyHex: string;
  messageHex: string;
  macHex: string;
}

/** RFC 2202 section 3: HMAC-SHA-1 test cases 1-7. */
export const RFC2202_HMAC_SHA1: HmacVector[] = [
  { name: "case 1", keyHex: "0b".repeat(20), messageHex: asciiHex("Hi There"), macHex: "b617318655057264e28bc0b6fb378c8ef146be00" },
  { name: "case 2", keyHex: asciiHex("Jefe"), messageHex: asciiHex("what do ya want for nothing?"), macHex: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
  { name: "case 3", keyHex: "aa".repeat(20), messageHex: "dd".repeat(50), macHex: "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
  { name: "case 4", keyHex: "0102030405060708090a0b0c0d0e0f10111213141516171819", messageHex: "cd".repeat(50), macHex: "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
  { name: "case 5", keyHex: "0c".repeat(20), messageHex: asciiHex("Test With Truncation"), macHex: "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
  { name: "case 6", keyHex: "aa".repeat(80), messageHex: asciiHex("Test Using Larger Than Block-Size Key - Hash Key First"), macHex: "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
  { name: "case 7", keyHex: "aa".repeat(80), messageHex: asciiHex("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), macHex: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
];

export interface DigestVector {
  name: string;
  algorithm: "SHA1" | "SHA256";
  messageHex: string;
  digestHex: string;
  /** Too big to push through every runtime's text harness (1,000,000 bytes). */
  heavy?: boolean;
}

const ABC = asciiHex("abc");
const TWO_BLOCK = asciiHex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
const MILLION_A = "61".repeat(1000000);

/** FIPS 180-2 Appendices A and B (the SHA-1 and SHA-256 examples), plus the empty message. */
export const FIPS180_DIGESTS: DigestVector[] = [
  { name: "SHA-1 abc", algorithm: "SHA1", messageHex: ABC, digestHex: "a9993e364706816aba3e25717850c26c9cd0d89d" },
  { name: "SHA-1 two blocks", algorithm: "SHA1", messageHex: TWO_BLOCK, digestHex: "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
  { name: "SHA-1 empty", algorithm: "SHA1", messageHex: "", digestHex: "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
  { name: "SHA-1 million a", algorithm: "SHA1", messageHex: MILLION_A, digestHex: "34aa973cd4c4daa4f61eeb2bdbad27316534016f", heavy: true },
  { name: "SHA-256 abc", algorithm: "SHA256", messageHex: ABC, digestHex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { name: "SHA-256 two blocks", algorithm: "SHA256", messageHex: TWO_BLOCK, digestHex: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  { name: "SHA-256 empty", algorithm: "SHA256", messageHex: "", digestHex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { name: "SHA-256 million a", algorithm: "SHA256", messageHex: MILLION_A, digestHex: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", heavy: true },
];

/** RFC 4648 section 10: Base32 and Base16 test vectors for "foobar" prefixes. */
export const RFC4648_VECTORS = [
  { text: "", base32: "", base16: "" },
  { text: "f", base32: "MY======", base16: "66" },
  { text: "fo", base32: "MZXQ====", base16: "666F" },
  { text: "foo", base32: "MZXW6===", base16: "666F6F" },
  { text: "foob", base32: "MZXW6YQ=", base16: "666F6F62" },
  { text: "fooba", base32: "MZXW6YTB", base16: "666F6F6261" },
  { text: "foobar", base32: "MZXW6YTBOI======", base16: "666F6F626172" },
];

/** CRC-32/ISO-HDLC check value (CRC RevEng catalogue): CRC of "123456789". */
export const CRC32_CHECK = { textHex: asciiHex("123456789"), crcHex: "cbf43926" };
