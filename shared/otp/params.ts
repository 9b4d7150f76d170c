import { fail } from "../fail.js";
import { INT32_RUNTIME, TWO_POW_32 } from "../runtime.js";

/**
 * Validation of OTP parameters. Each guardrail is a named constant with the reason for it;
 * every check fails with a message that says what is accepted.
 */

/** RFC 4226 section 5.3: at least 6 digits; 8 is the most a 31-bit truncated value supports well. */
export const MIN_DIGITS = 6;
export const MAX_DIGITS = 8;

/** Period bounds (seconds). RFC 6238 section 5.2 recommends 30; 60 is common. The upper bound
 *  keeps the remainder in the counter division small on every runtime. */
export const MIN_PERIOD = 1;
export const MAX_PERIOD = 65535;

function isWholeNumber(value: number): boolean {
  return typeof value === "number" && Math.floor(value) === value;
}

export function checkDigits(digits: number): void {
  if (!isWholeNumber(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    fail("digits must be 6, 7 or 8");
  }
}

export function checkPeriod(period: number): void {
  if (!isWholeNumber(period) || period < MIN_PERIOD || period > MAX_PERIOD) {
    fail("period must be a whole number of seconds from 1 to 65535");
  }
}

/**
 * A Unix time or an HOTP counter: a whole number from 0 to 2^32 - 1. On a runtime with 32-bit
 * integers (NodeMCU ESP32) values from 2^31 on can only arrive as the negative integer congruent
 * to them, so negatives are accepted there (see runtime.ts).
 */
export function checkWord(value: number, what: string): void {
  if (!isWholeNumber(value)) {
    fail(what + " must be a whole number");
  }
  if (!INT32_RUNTIME) {
    if (value < 0) {
      fail(what + " must not be negative");
    }
    if (value >= TWO_POW_32) {
      fail(what + " must be below 2^32 (4294967296)");
    }
  }
}
