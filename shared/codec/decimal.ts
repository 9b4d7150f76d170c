import { INT32_RUNTIME, TWO_POW_32 } from "../runtime.js";

/**
 * Decimal text for whole numbers, without parseInt or Number() (not portable to Lua, and
 * lenient in ways a wire protocol must not be).
 */

/**
 * Parses "0" .. "4294967295" (no sign, no leading zeros, at most 10 digits). Returns -1 for
 * anything else. On a runtime with 32-bit integers values from 2^31 wrap to the congruent
 * negative word, which is how such a runtime holds them (see shared/runtime.ts); on every other
 * runtime values above 2^32 - 1 are refused.
 */
export function parseWhole(text: string): number {
  const length = text.length;
  if (length === 0 || length > 10) {
    return -1;
  }
  if (length > 1 && text.charCodeAt(0) === 48) {
    return -1;
  }
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) {
      return -1;
    }
    value = value * 10 + digit;
  }
  if (!INT32_RUNTIME && value >= TWO_POW_32) {
    return -1;
  }
  return value;
}

