/**
 * The portable core's public entry: what the Espruino bundle exposes as the global
 * `TokensmithCore`, what each Lua bundle returns, and what Node code imports.
 *
 * Every function validates its input and throws a "tokensmith: ..." string on bad input,
 * never returning a code computed from it.
 */
import { NativeDigest, byteString, digest, hashAlgorithm, stringBytes } from "./otp/hash.js";
import { HmacKey, hmac, prepareHmacKey } from "./otp/hmac.js";
import { hotpCode } from "./otp/hotp.js";
import { checkDigits, checkPeriod, checkWord } from "./otp/params.js";
import { totpCode } from "./otp/totp.js";
import { bytesToHex, hexToBytes } from "./codec/hex.js";

export { hexToBytes, bytesToHex } from "./codec/hex.js";
export { base32ToBytes, bytesToBase32 } from "./codec/base32.js";
export { crc32OfString, crc32OfBytes } from "./codec/crc32.js";
export { wordToHex } from "./codec/words.js";
export { compressionsSoFar } from "./otp/hash.js";

/** Native digests plugged in by the platform, by algorithm; null means the pure path. */
let nativeSha1: NativeDigest | null = null;
let nativeSha256: NativeDigest | null = null;

/**
 * Plugs a native one-shot digest into the hash seam (or removes it with null). Codes are
 * identical either way; only speed differs. The digest takes and returns byte strings.
 */
export function useNativeDigest(algorithm: string, native: NativeDigest | null): void {
  const hash = hashAlgorithm(algorithm);
  if (hash.digestWords === 5) {
    nativeSha1 = native;
  } else {
    nativeSha256 = native;
  }
}

/** An HMAC key with its pad states computed: reuse it for every code from one secret. */
export function prepareKey(secretHex: string, algorithm: string): HmacKey {
  const hash = hashAlgorithm(algorithm);
  return prepareHmacKey(hash, hexToBytes(secretHex), hash.digestWords === 5 ? nativeSha1 : nativeSha256);
}

/** HOTP (RFC 4226) with a prepared key; counter 0 .. 2^32 - 1. */
export function hotpWithKey(key: HmacKey, counter: number, digits: number): string {
  checkWord(counter, "counter");
  checkDigits(digits);
  return hotpCode(key, 0, counter, digits);
}

/** TOTP (RFC 6238) with a prepared key; unixSeconds and t0 from 0 .. 2^32 - 1. */
export function totpWithKey(key: HmacKey, unixSeconds: number, period: number, digits: number, t0?: number): string {
  const start = t0 === undefined ? 0 : t0;
  checkWord(unixSeconds, "time");
  checkWord(start, "T0");
  checkPeriod(period);
  checkDigits(digits);
  return totpCode(key, unixSeconds, start, period, digits);
}

/** HOTP code for a hex secret: hotp("3132...", 1, 6, "SHA1") -> "287082". */
export function hotp(secretHex: string, counter: number, digits: number, algorithm: string): string {
  return hotpWithKey(prepareKey(secretHex, algorithm), counter, digits);
}

/** TOTP code for a hex secret at a Unix time (UTC seconds): totp(hex, 59, 30, 8, "SHA1"). */
export function totp(secretHex: string, unixSeconds: number, period: number, digits: number, algorithm: string, t0?: number): string {
  return totpWithKey(prepareKey(secretHex, algorithm), unixSeconds, period, digits, t0);
}

/** Hex digest of a hex message (FIPS 180-4), with the native digest when one is plugged in. */
export function digestHex(algorithm: string, messageHex: string): string {
  const hash = hashAlgorithm(algorithm);
  const native = hash.digestWords === 5 ? nativeSha1 : nativeSha256;
  const message = hexToBytes(messageHex);
  return bytesToHex(native !== null ? stringBytes(native(byteString(message))) : digest(hash, message));
}

/** Hex HMAC (RFC 2104) of a hex message under a hex key. */
export function hmacHex(algorithm: string, keyHex: string, messageHex: string): string {
  return bytesToHex(hmac(prepareKey(keyHex, algorithm), hexToBytes(messageHex)));
}
