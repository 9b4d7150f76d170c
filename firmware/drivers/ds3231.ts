/**
 * The DS3231 real-time clock, held in UTC, 24-hour mode, years 2000-2105 (century bit set for
 * 2100+). Talks to the registers directly: the stock Espruino module keeps UK local time.
 *
 * Registers: 0x00-0x06 BCD seconds, minutes, hours, weekday (1-7, Monday = 1 here), date,
 * month (bit 7 = century), year; 0x0F status with the oscillator-stop flag OSF in bit 7.
 */
import type { Hal } from "../platform/hal.js";
import { fail } from "../../shared/fail.js";
import { civilFromUnix, daysInMonth, unixFromCivil } from "./calendar.js";

export const DS3231_ADDRESS = 0x68;
const DS3231_STATUS = 0x0f;
const DS3231_OSF = 0x80;

export interface RtcReading {
  /** UTC seconds as a word (0 when not plausible). */
  unixSeconds: number;
  /** OSF: the oscillator stopped at some point (power loss, flat battery): time is not trustworthy. */
  oscillatorStopped: boolean;
  /** The registers decode to a valid 24-hour date and time in 2000..2105 with valid BCD. */
  plausible: boolean;
}

/** A BCD byte (two digits) to 0..99, or -1 when a digit is above 9. */
export function fromBcd(b: number): number {
  const high = (b >>> 4) & 15;
  const low = b & 15;
  if (high > 9 || low > 9) {
    return -1;
  }
  return high * 10 + low;
}

/** 0..99 to a BCD byte. */
export function toBcd(n: number): number {
  let tens = 0;
  while (n >= 10) {
    n = n - 10;
    tens = tens + 1;
  }
  return (tens << 4) | n;
}

/**
 * Reads the time (one transfer of 0x00-0x06, which the chip latches together) and OSF.
 * Reserved bits must read 0 and 12-hour mode counts as implausible: either means someone
 * else set the chip, and the time is then not to be trusted.
 */
export function readRtc(hal: Hal): RtcReading {
  const r = hal.i2cReadRegisters(DS3231_ADDRESS, 0x00, 7);
  const status = hal.i2cReadRegisters(DS3231_ADDRESS, DS3231_STATUS, 1);
  const stopped = (status[0] & DS3231_OSF) !== 0;
  const second = fromBcd(r[0]);
  const minute = fromBcd(r[1]);
  const hour = fromBcd(r[2]);
  const weekday = r[3];
  const day = fromBcd(r[4]);
  const month = fromBcd(r[5] & 0x7f);
  const year = fromBcd(r[6]) + 2000 + ((r[5] & 0x80) !== 0 ? 100 : 0);
  const plausible =
    second >= 0 && second < 60 && minute >= 0 && minute < 60 && hour >= 0 && hour < 24 &&
    weekday >= 1 && weekday <= 7 && month >= 1 && month <= 12 && year >= 2000 && year <= 2105 &&
    day >= 1 && day <= daysInMonth(year, month);
  return {
    unixSeconds: plausible ? unixFromCivil(year, month, day, hour, minute, second) : 0,
    oscillatorStopped: stopped,
    plausible: plausible,
  };
}

/**
 * Sets the chip to a UTC time (2000-01-01 .. 2105-12-31; other times fail), 24-hour mode,
 * then clears OSF, keeping the other status bits.
 */
export function writeRtc(hal: Hal, unixSeconds: number): void {
  const c = civilFromUnix(unixSeconds);
  let year = c[0] - 2000;
  if (year < 0 || year > 105) {
    fail("the clock holds times from 2000 to 2105 only");
  }
  let century = 0;
  if (year >= 100) {
    year = year - 100;
    century = 0x80;
  }
  hal.i2cWrite(DS3231_ADDRESS, [
    0x00, toBcd(c[5]), toBcd(c[4]), toBcd(c[3]), c[6], toBcd(c[2]), toBcd(c[1]) | century, toBcd(year),
  ]);
  const status = hal.i2cReadRegisters(DS3231_ADDRESS, DS3231_STATUS, 1);
  hal.i2cWrite(DS3231_ADDRESS, [DS3231_STATUS, status[0] & 0x7f]);
}
