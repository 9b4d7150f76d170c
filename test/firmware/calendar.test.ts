/**
 * firmware/drivers/calendar.ts against JS Date.UTC: every second of the 32-bit range (sampled),
 * every day from 1970 to 2105, the edge days, and words given in their negative int32 form.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { civilFromUnix, daysInMonth, isLeapYear, unixFromCivil } from "../../firmware/drivers/calendar.js";

/** [year, month, day, hour, minute, second, weekday Monday=1] from Date. */
function viaDate(unix: number): number[] {
  const d = new Date(unix * 1000);
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), weekday];
}

describe("civilFromUnix / unixFromCivil", () => {
  it("match Date.UTC for any time 0 .. 2^32 - 1, also given as the negative int32 word", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (t) => {
        const expected = viaDate(t);
        expect(civilFromUnix(t)).toEqual(expected);
        expect(civilFromUnix(t | 0)).toEqual(expected);
        const [y, mo, d, h, mi, s] = expected;
        expect(unixFromCivil(y, mo, d, h, mi, s)).toBe(t);
      }),
      { numRuns: 20000 },
    );
  });

  it("match Date.UTC at the start and end of every day 1970-01-01 .. 2105-12-31", () => {
    const last = Date.UTC(2105, 11, 31) / 1000;
    for (let t = 0; t <= last; t += 86400) {
      const start = viaDate(t);
      const got = civilFromUnix(t);
      if (got.join() !== start.join()) expect(got).toEqual(start);
      const end = civilFromUnix(t + 86399);
      if (end.join() !== viaDate(t + 86399).join()) expect(end).toEqual(viaDate(t + 86399));
      const back = unixFromCivil(start[0], start[1], start[2], 23, 59, 59);
      if (back !== t + 86399) expect(back).toBe(t + 86399);
    }
  });

  it.each([
    [0, [1970, 1, 1, 0, 0, 0, 4]],
    [68169600, [1972, 2, 29, 0, 0, 0, 2]],
    [951782400, [2000, 2, 29, 0, 0, 0, 2]],
    [2147483647, [2038, 1, 19, 3, 14, 7, 2]],
    [2147483648, [2038, 1, 19, 3, 14, 8, 2]],
    [Date.UTC(2100, 1, 28, 23, 59, 59) / 1000, [2100, 2, 28, 23, 59, 59, 7]],
    [Date.UTC(2100, 2, 1) / 1000, [2100, 3, 1, 0, 0, 0, 1]],
    [Date.UTC(2104, 1, 29, 12) / 1000, [2104, 2, 29, 12, 0, 0, 5]],
    [Date.UTC(2105, 11, 31, 23, 59, 59) / 1000, [2105, 12, 31, 23, 59, 59, 4]],
    [0xffffffff, [2106, 2, 7, 6, 28, 15, 7]],
  ])("edge %d", (t, expected) => {
    expect(civilFromUnix(t)).toEqual(expected);
    expect(civilFromUnix(t | 0)).toEqual(expected);
    expect(viaDate(t)).toEqual(expected);
    expect(unixFromCivil(expected[0], expected[1], expected[2], expected[3], expected[4], expected[5])).toBe(t);
  });

  it("knows leap years and month lengths (2000 leap, 2100 not)", () => {
    for (let y = 1970; y <= 2105; y++) {
      expect(isLeapYear(y)).toBe((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
      for (let m = 1; m <= 12; m++) {
        expect(daysInMonth(y, m)).toBe(new Date(Date.UTC(y, m, 0)).getUTCDate());
      }
    }
    expect(isLeapYear(2000)).toBe(true);
    expect(isLeapYear(2100)).toBe(false);
  });
});
