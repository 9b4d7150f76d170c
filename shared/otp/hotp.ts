import { HmacKey, hmacCounterText, hmacCounterWords } from "./hmac.js";

/** 10^digits for digits 6, 7, 8 (RFC 4226 section 5.3, Step 3). */
const DIGITS_MODULUS = [1000000, 10000000, 100000000];
const ZEROS = "00000000";

/**
 * Dynamic truncation (RFC 4226 section 5.3): the low 4 bits of the last MAC byte select 4
 * bytes; their value with the top bit cleared is a 31-bit integer, exact on every runtime.
 */
export function truncate(mac: number[], digestWords: number): number {
  const offset = mac[digestWords - 1] & 15;
  let value = 0;
  for (let k = offset; k < offset + 4; k++) {
    value = (value << 8) | ((mac[k >>> 2] >>> (24 - ((k & 3) << 3))) & 255);
  }
  return value & 0x7fffffff;
}

/** Dynamic truncation of a MAC held as a byte string (the native path). */
export function truncateText(mac: string): number {
  const offset = mac.charCodeAt(mac.length - 1) & 15;
  return ((mac.charCodeAt(offset) & 127) << 24) | (mac.charCodeAt(offset + 1) << 16) | (mac.charCodeAt(offset + 2) << 8) | mac.charCodeAt(offset + 3);
}

/** The decimal code, left-padded with zeros to `digits` characters. */
export function formatCode(value: number, digits: number): string {
  const text = String(value % DIGITS_MODULUS[digits - 6]);
  return ZEROS.substring(0, digits - text.length) + text;
}

/**
 * HOTP value for a 64-bit counter given as two words (RFC 4226 section 5.3).
 * Parameters are assumed valid here; the public entry points validate.
 */
export function hotpCode(key: HmacKey, counterHigh: number, counterLow: number, digits: number): string {
  if (key.native !== null) {
    return formatCode(truncateText(hmacCounterText(key, counterHigh, counterLow)), digits);
  }
  const mac = hmacCounterWords(key, counterHigh, counterLow);
  return formatCode(truncate(mac, key.hash.digestWords), digits);
}
