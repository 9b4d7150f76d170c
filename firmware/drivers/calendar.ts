/**
 * UTC calendar arithmetic for 1970-01-01 .. 2105-12-31 (the DS3231's years 2000-2199, cut at
 * the end of the 32-bit Unix time). No `/`: days and seconds are split with divideWord, exact
 * for every word 0 .. 2^32 - 1 however the runtime holds it (PORTABLE-SUBSET rules 2, 5).
 * No time zones, no daylight saving.
 */
import { divideWord } from "../../shared/otp/totp.js";

/**
 * Days before the first of month m (1-12) of a common year are 30 * (m - 1) + offset, with
 * offset in -1..4: stored as the characters '0'..'5' (offset + 49), one string, no array.
 */
const MONTH_OFFSETS = "120112234455";

/** Leap year within 1970..2105 (2000 is leap, 2100 is not). */
export function isLeapYear(year: number): boolean {
  return (year & 3) === 0 && year !== 2100;
}

/** Days in a month (1-12) of a year within 1970..2105. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return isLeapYear(year) ? 29 : 28;
  }
  // 31 for Jan Mar May Jul Aug Oct Dec: bit m of 0x15AA.
  return ((0x15aa >>> month) & 1) !== 0 ? 31 : 30;
}

/** Days from 1970-01-01 to the first of January of `year` (1970..2106). */
function daysBeforeYear(year: number): number {
  // Leap years 1972, 1976, ... before `year`; 2100 is not one.
  let days = (year - 1970) * 365 + ((year - 1969) >>> 2);
  if (year > 2100) {
    days = days - 1;
  }
  return days;
}

/** Days before the first of `month` in `year`. */
function daysBeforeMonth(year: number, month: number): number {
  let days = (month - 1) * 30 + MONTH_OFFSETS.charCodeAt(month - 1) - 49;
  if (month > 2 && isLeapYear(year)) {
    days = days + 1;
  }
  return days;
}

/**
 * Unix time (UTC seconds) of a civil date and time, 1970-01-01 00:00:00 .. 2106-02-07 06:28:15,
 * as a word (in JS: 0 .. 2^32 - 1). Fields are assumed valid (see daysInMonth).
 */
export function unixFromCivil(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const days = daysBeforeYear(year) + daysBeforeMonth(year, month) + day - 1;
  // days * 86400 = (days * 675) << 7: the product stays below 2^31 on every runtime.
  return (((days * 675) << 7) + hour * 3600 + minute * 60 + second) >>> 0;
}

/**
 * [year, month 1-12, day 1-31, hour, minute, second, weekday 1-7 with Monday = 1] of a Unix
 * time held as a word.
 */
export function civilFromUnix(unixSeconds: number): number[] {
  const minutes = divideWord(unixSeconds, 60);
  // Exact mod 2^32, and 0..59 < 64: the low 6 bits are the seconds on every runtime (a 64-bit
  // Lua given the negative form of a word would leave `| 0` at -4294967281).
  const second = (unixSeconds - minutes * 60) & 63;
  const hours = divideWord(minutes, 60);
  const minute = minutes - hours * 60;
  let days = divideWord(hours, 24);
  const hour = hours - days * 24;
  // 1970-01-01 was a Thursday (4).
  const weekday = ((days + 3) % 7) + 1;
  // At most 34 leap days in the range, far fewer than 365: the estimate is at most one high.
  let year = 1970 + divideWord(days, 365);
  while (daysBeforeYear(year) > days) {
    year = year - 1;
  }
  days = days - daysBeforeYear(year);
  let month = 1;
  while (month < 12 && daysBeforeMonth(year, month + 1) <= days) {
    month = month + 1;
  }
  return [year, month, days - daysBeforeMonth(year, month) + 1, hour, minute, second, weekday];
}
