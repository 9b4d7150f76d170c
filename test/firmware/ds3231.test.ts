/**
 * firmware/drivers/ds3231.ts: register transcripts against hand-computed BCD bytes, the
 * century bit, OSF handling, implausible registers, and write/read round trips.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DS3231_ADDRESS, fromBcd, readRtc, toBcd, writeRtc } from "../../firmware/drivers/ds3231.js";
import { unixFromCivil } from "../../firmware/drivers/calendar.js";
import { createFakeHal } from "./fake-hal.js";

const T_2026 = Date.UTC(2026, 10, 22, 12, 34, 56) / 1000; // a Sunday

describe("BCD", () => {
  it("round-trips 0..99 and rejects digits above 9", () => {
    for (let n = 0; n <= 99; n++) {
      const bcd = toBcd(n);
      expect(bcd).toBe(parseInt(String(n), 16));
      expect(fromBcd(bcd)).toBe(n);
    }
    expect(fromBcd(0x5a)).toBe(-1);
    expect(fromBcd(0xa5)).toBe(-1);
  });
});

describe("writeRtc", () => {
  it("writes 2026-11-22 12:34:56 as BCD in 24-hour mode, then clears only OSF", () => {
    const fake = createFakeHal();
    fake.rtc[0x0f] = 0x8b; // OSF, EN32kHz, A2F, A1F
    writeRtc(fake.hal, T_2026);
    expect(fake.i2c.get(DS3231_ADDRESS)).toEqual([
      { kind: "write", data: [0x00, 0x56, 0x34, 0x12, 0x07, 0x22, 0x11, 0x26] },
      { kind: "read", register: 0x0f, count: 1, result: [0x8b] },
      { kind: "write", data: [0x0f, 0x0b] },
    ]);
    expect(fake.rtc[0x0f]).toBe(0x0b);
  });

  it("sets the century bit from 2100 on", () => {
    const fake = createFakeHal();
    writeRtc(fake.hal, Date.UTC(2105, 2, 4, 5, 6, 7) / 1000); // a Wednesday
    expect(fake.writesTo(DS3231_ADDRESS)[0]).toEqual([0x00, 0x07, 0x06, 0x05, 0x03, 0x04, 0x83, 0x05]);
    writeRtc(fake.hal, Date.UTC(2099, 11, 31, 23, 59, 59) / 1000); // a Thursday
    expect(fake.writesTo(DS3231_ADDRESS)[2]).toEqual([0x00, 0x59, 0x59, 0x23, 0x04, 0x31, 0x12, 0x99]);
  });

  it("refuses times it cannot hold", () => {
    const fake = createFakeHal();
    expect(() => writeRtc(fake.hal, Date.UTC(1999, 11, 31) / 1000)).toThrow(/2000 to 2105/);
    expect(() => writeRtc(fake.hal, 0xffffffff)).toThrow(/2000 to 2105/);
    expect(fake.i2c.size).toBe(0);
  });
});

describe("readRtc", () => {
  it("decodes the registers in one transfer plus the status register", () => {
    const fake = createFakeHal();
    fake.rtc.splice(0, 7, 0x56, 0x34, 0x12, 0x07, 0x22, 0x11, 0x26);
    fake.rtc[0x0f] = 0x08;
    expect(readRtc(fake.hal)).toEqual({ unixSeconds: T_2026, oscillatorStopped: false, plausible: true });
    expect(fake.i2c.get(DS3231_ADDRESS)!.map((e) => (e.kind === "read" ? [e.register, e.count] : e.data))).toEqual([
      [0x00, 7],
      [0x0f, 1],
    ]);
  });

  it("reports OSF and a freshly powered chip", () => {
    const fake = createFakeHal(); // power-on registers: 2000-01-01, OSF set
    expect(readRtc(fake.hal)).toEqual({ unixSeconds: 946684800, oscillatorStopped: true, plausible: true });
  });

  it.each([
    ["seconds digit above 9", 0, 0x5a],
    ["seconds 60", 0, 0x60],
    ["seconds CH bit", 0, 0x80],
    ["minutes 60", 1, 0x60],
    ["12-hour mode", 2, 0x52],
    ["hour 24", 2, 0x24],
    ["weekday 0", 3, 0x00],
    ["weekday 8", 3, 0x08],
    ["date 0", 4, 0x00],
    ["date 31 in November", 4, 0x31],
    ["month 0", 5, 0x00],
    ["month 13", 5, 0x13],
    ["month with reserved bit", 5, 0x31],
    ["year digit above 9", 6, 0x2f],
    ["year 2106 (century + 06)", 5, 0x91],
  ])("flags %s as implausible", (_, register, value) => {
    const fake = createFakeHal();
    fake.rtc.splice(0, 7, 0x56, 0x34, 0x12, 0x07, 0x22, 0x11, 0x26);
    if (register === 5 && value === 0x91) fake.rtc[6] = 0x06;
    fake.rtc[register] = value;
    fake.rtc[0x0f] = 0;
    const reading = readRtc(fake.hal);
    expect(reading.plausible).toBe(false);
    expect(reading.oscillatorStopped).toBe(false);
  });

  it("accepts 29 February only in leap years (2100 is not one)", () => {
    const fake = createFakeHal();
    fake.rtc.splice(0, 7, 0, 0, 0, 0x02, 0x29, 0x02, 0x24);
    expect(readRtc(fake.hal)).toMatchObject({ plausible: true, unixSeconds: Date.UTC(2024, 1, 29) / 1000 });
    fake.rtc.splice(0, 7, 0, 0, 0, 0x02, 0x29, 0x82, 0x00);
    expect(readRtc(fake.hal).plausible).toBe(false);
  });

  it("reads back what writeRtc wrote, for any time 2000 .. 2105, with OSF cleared", () => {
    const first = unixFromCivil(2000, 1, 1, 0, 0, 0);
    const last = unixFromCivil(2105, 12, 31, 23, 59, 59);
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (t) => {
        const fake = createFakeHal();
        writeRtc(fake.hal, t);
        expect(readRtc(fake.hal)).toEqual({ unixSeconds: t, oscillatorStopped: false, plausible: true });
        writeRtc(fake.hal, t | 0);
        expect(readRtc(fake.hal).unixSeconds).toBe(t);
      }),
      { numRuns: 3000 },
    );
  });
});
