/**
 * DS3231 model: register contents are checked against JavaScript's own UTC calendar (Date),
 * never against the model's helpers.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VirtualClock } from "../../../hardware/sim/virtual-clock.js";
import { I2cBus } from "../../../hardware/sim/devices/i2c-bus.js";
import { Ds3231 } from "../../../hardware/sim/devices/ds3231.js";

const ADDR = 0x68;
const toBcd = (n: number) => ((Math.floor(n / 10) << 4) | n % 10);
const utc = (iso: string) => Date.parse(iso) / 1000;

function rig(unixSeconds: number, driftPpm = 0) {
  const clock = new VirtualClock(unixSeconds * 1000);
  const rtc = new Ds3231(clock, { unixSeconds, driftPpm });
  const bus = new I2cBus();
  bus.attach(rtc);
  const regs = (from: number, count: number) => {
    bus.writeTo(ADDR, Uint8Array.of(from));
    return Array.from(bus.readFrom(ADDR, count));
  };
  return { clock, rtc, bus, regs };
}

/** What registers 0x00-0x06 must hold for a UTC time (24-hour mode, weekday 1 = Monday). */
function expectedRegisters(unixSeconds: number): number[] {
  const d = new Date(unixSeconds * 1000);
  const year = d.getUTCFullYear();
  return [
    toBcd(d.getUTCSeconds()),
    toBcd(d.getUTCMinutes()),
    toBcd(d.getUTCHours()),
    ((d.getUTCDay() + 6) % 7) + 1,
    toBcd(d.getUTCDate()),
    toBcd(d.getUTCMonth() + 1) | (year >= 2100 ? 0x80 : 0),
    toBcd(year % 100),
  ];
}

/** Sets the time the way firmware does: one write of 0x00-0x06. */
function setTime(bus: I2cBus, unixSeconds: number) {
  bus.writeTo(ADDR, Uint8Array.of(0x00, ...expectedRegisters(unixSeconds)));
}

describe("DS3231 time registers", () => {
  it("hold the BCD time of the start time and of later times (property, Date as the oracle)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc("2000-01-01T00:00:00Z"), max: utc("2099-01-01T00:00:00Z") }),
        fc.integer({ min: 0, max: 300 * 86400 }),
        (start, later) => {
          const { clock, regs } = rig(start);
          expect(regs(0x00, 7)).toEqual(expectedRegisters(start));
          clock.advance(later * 1000);
          expect(regs(0x00, 7)).toEqual(expectedRegisters(start + later));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("hold times in 2101-2199 with the century bit set", () => {
    fc.assert(
      fc.property(fc.integer({ min: utc("2101-01-01T00:00:00Z"), max: utc("2199-06-01T00:00:00Z") }), fc.integer({ min: 0, max: 200 * 86400 }), (start, later) => {
        const { clock, regs } = rig(start);
        clock.advance(later * 1000);
        const r = regs(0x00, 7);
        expect(r).toEqual(expectedRegisters(start + later));
        expect(r[5] & 0x80).toBe(0x80);
      }),
      { numRuns: 100 },
    );
  });

  it("roll over from 2099-12-31 23:59:59 to 2100-01-01 00:00:00, toggling the century bit", () => {
    const t = utc("2099-12-31T23:59:59Z");
    const { clock, bus, regs } = rig(utc("2020-01-01T00:00:00Z"));
    setTime(bus, t);
    const before = regs(0x00, 7);
    expect(before[5]).toBe(0x12); // December, century 0
    expect(before[6]).toBe(0x99);
    clock.advance(1000);
    const after = regs(0x00, 7);
    expect(after).toEqual(expectedRegisters(t + 1));
    expect(after.slice(0, 3)).toEqual([0, 0, 0]);
    expect(after[4]).toBe(0x01);
    expect(after[5]).toBe(0x81); // January, century 1
    expect(after[6]).toBe(0x00);
    expect(after[3]).toBe((before[3] % 7) + 1); // day of week advanced at midnight
  });

  it("count 29 February 2100 as the real chip does (leap years by the two year digits only)", () => {
    const { clock, bus, regs } = rig(utc("2020-01-01T00:00:00Z"));
    setTime(bus, utc("2100-02-28T23:59:59Z"));
    clock.advance(1000);
    const r = regs(0x04, 2);
    expect(r).toEqual([0x29, 0x82]); // 29 February 2100 (which the Gregorian calendar lacks)
  });

  it("auto-increment the register pointer and wrap after 0x12", () => {
    const { bus, regs } = rig(utc("2024-05-06T07:08:09Z"));
    const r = regs(0x10, 5);
    expect(r).toEqual([0x00, 25, 0x00, 0x09, 0x08]); // aging, 25.00 C, then seconds, minutes
    // A read continues where the last transfer left the pointer.
    expect(Array.from(bus.readFrom(ADDR, 1))).toEqual([0x07]);
    // A write across the end: 0x11-0x12 are read-only, the next byte lands in 0x00.
    bus.writeTo(ADDR, Uint8Array.of(0x10, 0x05, 0xaa, 0xbb, 0x30));
    expect(regs(0x10, 4)).toEqual([0x05, 25, 0x00, 0x30]);
  });

  it("store the alarms, control and aging registers", () => {
    const { bus, regs } = rig(utc("2024-05-06T07:08:09Z"));
    expect(regs(0x0e, 1)).toEqual([0x1c]);
    bus.writeTo(ADDR, Uint8Array.of(0x07, 1, 2, 3, 4, 5, 6, 7, 0x04, 0x00, 0xfe));
    expect(regs(0x07, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 0x04, 0x00, 0xfe]); // status 0: EN32kHz cleared
  });

  it("let OSF and the alarm flags be cleared but never set by a write", () => {
    const clock = new VirtualClock(0);
    const rtc = new Ds3231(clock, { unixSeconds: utc("2024-01-01T00:00:00Z"), oscillatorStopFlag: true });
    const bus = new I2cBus();
    bus.attach(rtc);
    const status = () => (bus.writeTo(ADDR, Uint8Array.of(0x0f)), bus.readFrom(ADDR, 1)[0]);
    expect(status()).toBe(0x88);
    bus.writeTo(ADDR, Uint8Array.of(0x0f, 0xff));
    expect(status()).toBe(0x88);
    bus.writeTo(ADDR, Uint8Array.of(0x0f, 0x08));
    expect(status()).toBe(0x08);
    bus.writeTo(ADDR, Uint8Array.of(0x0f, 0xff));
    expect(status()).toBe(0x08); // OSF stays clear
    bus.writeTo(ADDR, Uint8Array.of(0x0f, 0x00));
    expect(status()).toBe(0x00); // EN32kHz is read/write
  });

  it("count in 12-hour mode when the hours were written that way", () => {
    const { clock, bus, regs } = rig(utc("2024-03-10T00:00:00Z"));
    bus.writeTo(ADDR, Uint8Array.of(0x00, 0x59, 0x59, 0x40 | 0x20 | 0x11)); // 11:59:59 PM
    clock.advance(1000);
    // 2024-03-10 is a Sunday (7): 12 AM on Monday (1) the 11th.
    expect(regs(0x00, 5)).toEqual([0x00, 0x00, 0x40 | 0x12, 0x01, 0x11]);
    bus.writeTo(ADDR, Uint8Array.of(0x00, 0x59, 0x59, 0x40 | 0x11)); // 11:59:59 AM
    clock.advance(1000);
    expect(regs(0x02, 1)).toEqual([0x40 | 0x20 | 0x12]); // 12 PM
  });

  it("restart the divider chain when the seconds register is written", () => {
    const { clock, bus, regs } = rig(utc("2024-01-01T00:00:00Z"));
    clock.advance(700);
    bus.writeTo(ADDR, Uint8Array.of(0x00, 0x00));
    clock.advance(999);
    expect(regs(0x00, 1)).toEqual([0x00]);
    clock.advance(1);
    expect(regs(0x00, 1)).toEqual([0x01]);
  });
});

describe("DS3231 oscillator", () => {
  it("gains 1.728 s over a simulated day at +20 ppm", () => {
    const start = utc("2024-06-01T00:00:00Z");
    const { clock, rtc, regs } = rig(start, 20);
    for (let i = 0; i < 24; i++) {
      clock.advance(3_600_000);
      regs(0x00, 7); // reading along the way must not disturb the count
    }
    expect(rtc.trueUnixMs() - (start + 86400) * 1000).toBeCloseTo(1728, 6);
    expect(regs(0x00, 7)).toEqual(expectedRegisters(start + 86401));
  });

  it("loses time at a negative drift", () => {
    const start = utc("2024-06-01T00:00:00Z");
    const { clock, rtc } = rig(start, -5);
    clock.advance(200_000 * 1000);
    expect(rtc.trueUnixMs() - (start + 200_000) * 1000).toBeCloseTo(-1000, 6);
  });

  it("keeps running through VCC off on the battery, with OSF clear", () => {
    const start = utc("2030-01-01T12:00:00Z");
    const { clock, rtc, regs } = rig(start);
    rtc.powerOff();
    clock.advance(3 * 3600 * 1000);
    rtc.powerOn();
    expect(regs(0x00, 7)).toEqual(expectedRegisters(start + 3 * 3600));
    expect(regs(0x0f, 1)[0] & 0x80).toBe(0);
  });

  it("stops on the battery when EOSC is set, setting OSF and holding the time", () => {
    const start = utc("2030-01-01T12:00:00Z");
    const { clock, bus, rtc, regs } = rig(start);
    bus.writeTo(ADDR, Uint8Array.of(0x0e, 0x80 | 0x1c));
    rtc.powerOff();
    clock.advance(60_000);
    rtc.powerOn();
    expect(regs(0x00, 7)).toEqual(expectedRegisters(start));
    expect(regs(0x0f, 1)[0] & 0x80).toBe(0x80);
    clock.advance(2000);
    expect(regs(0x00, 7)).toEqual(expectedRegisters(start + 2)); // runs again on VCC
  });

  it("after battery out and power off: OSF = 1 and the time restarts from 2000-01-01 00:00:00", () => {
    const { clock, rtc, bus, regs } = rig(utc("2030-01-01T12:00:00Z"));
    rtc.batteryOut();
    rtc.powerOff();
    expect(() => bus.readFrom(ADDR, 1)).toThrow("jshI2CRead: slave doesn't ACK the transfer");
    clock.advance(10_000);
    rtc.powerOn();
    expect(regs(0x0f, 1)[0] & 0x80).toBe(0x80);
    expect(regs(0x00, 7)).toEqual(expectedRegisters(utc("2000-01-01T00:00:00Z")).map((v, i) => (i === 3 ? 1 : v)));
    expect(regs(0x0e, 1)).toEqual([0x1c]);
    clock.advance(5000);
    expect(regs(0x00, 1)).toEqual([0x05]);
    expect(rtc.trueUnixSeconds()).toBe(utc("2000-01-01T00:00:05Z"));
  });

  it("keeps the time when the battery is pulled while VCC is on", () => {
    const start = utc("2030-01-01T12:00:00Z");
    const { clock, rtc, regs } = rig(start);
    rtc.batteryOut();
    clock.advance(1000);
    rtc.batteryIn();
    rtc.powerOff();
    clock.advance(1000);
    rtc.powerOn();
    expect(regs(0x00, 7)).toEqual(expectedRegisters(start + 2));
    expect(regs(0x0f, 1)[0] & 0x80).toBe(0);
  });

  it("answers on I2C from the battery alone, after a fresh battery holds the oscillator until addressed", () => {
    const { clock, rtc, bus, regs } = rig(utc("2030-01-01T12:00:00Z"));
    rtc.batteryOut();
    rtc.powerOff();
    rtc.batteryIn(); // first power from the battery: power-on reset, oscillator held
    clock.advance(10_000);
    expect(rtc.trueUnixSeconds()).toBe(utc("2000-01-01T00:00:00Z"));
    expect(regs(0x00, 1)).toEqual([0x00]); // addressing it starts the oscillator
    clock.advance(3000);
    expect(regs(0x00, 1)).toEqual([0x03]);
    expect(bus.bytesWritten(ADDR)).toBeGreaterThan(0);
  });
});
