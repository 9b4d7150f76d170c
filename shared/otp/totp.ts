import { fail } from "../fail.js";
import { wordLessThan } from "../codec/words.js";
import { HmacKey } from "./hmac.js";
import { hotpCode } from "./hotp.js";

/** The remainder of the last divideWord: one long division gives both (0.25 ms each on Espruino). */
let divisionRemainder = 0;

/**
 * floor(n / d) for an unsigned 32-bit word n and a period 1 <= d <= 65535, by binary long
 * division. No `/`: on NodeMCU's float32 Lua, Math.floor(1700000000 / 30) is 56666668.
 * Exact for every n from 0 to 2^32 - 1, however the runtime holds the word.
 */
export function divideWord(n: number, d: number): number {
  let quotient = 0;
  let remainder = 0;
  for (let bit = 31; bit >= 0; bit--) {
    remainder = (remainder << 1) | ((n >>> bit) & 1);
    quotient = quotient << 1;
    if (remainder >= d) {
      remainder = remainder - d;
      quotient = quotient | 1;
    }
  }
  divisionRemainder = remainder;
  return quotient;
}

export function lastRemainder(): number {
  return divisionRemainder;
}


/**
 * n mod d for an unsigned 32-bit word n and 1 <= d <= 65535, by the same long division
 * (not n - q * d: on a 64-bit Lua a word held as a negative number would not fold back).
 */
export function remainderWord(n: number, d: number): number {
  let remainder = 0;
  for (let bit = 31; bit >= 0; bit--) {
    remainder = (remainder << 1) | ((n >>> bit) & 1);
    if (remainder >= d) {
      remainder = remainder - d;
    }
  }
  return remainder;
}

/**
 * The TOTP time-step counter T = floor((unixTime - t0) / period) (RFC 6238 section 4.2), as a
 * word. Times run to 2^32 - 1 (the year 2106), so T always fits in the low word.
 */
export function totpCounter(unixTime: number, t0: number, period: number): number {
  if (wordLessThan(unixTime, t0)) {
    fail("time is before T0");
  }
  return divideWord((unixTime - t0) | 0, period);
}

/** TOTP code (RFC 6238): HOTP over the time-step counter. Parameters assumed valid. */
export function totpCode(key: HmacKey, unixTime: number, t0: number, period: number, digits: number): string {
  return hotpCode(key, 0, totpCounter(unixTime, t0, period), digits);
}
