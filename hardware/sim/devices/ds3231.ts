/**
 * DS3231 real-time clock, modelled at register level from the Maxim datasheet (19-5170).
 *
 * I2C address 0x68. A write transfer sets the register pointer (first byte) and writes the
 * following bytes from there; a read transfer reads from the pointer. The pointer
 * auto-increments and wraps from 0x12 to 0x00.
 *
 * | reg  | content                                        | model                               |
 * |------|------------------------------------------------|-------------------------------------|
 * | 00   | seconds, BCD                                   | writing it resets the divider chain |
 * | 01   | minutes, BCD                                   |                                     |
 * | 02   | hours: bit 6 = 12-hour mode (bit 5 PM), BCD    | counts in the mode it was written   |
 * | 03   | day of week 1-7                                | +1 at midnight, 7 -> 1              |
 * | 04   | date, BCD                                      |                                     |
 * | 05   | month, BCD; bit 7 century                      | century toggles when year 99 -> 00  |
 * | 06   | year 00-99, BCD                                |                                     |
 * | 07-0D| alarms 1 and 2                                 | stored only (never fire)            |
 * | 0E   | control EOSC BBSQW CONV RS2 RS1 INTCN A2IE A1IE| POR 0x1C; EOSC stops the oscillator  |
 * |      |                                                | on battery; CONV completes at once  |
 * | 0F   | status OSF 0 0 0 EN32kHz BSY A2F A1F           | POR 0x88; OSF/A1F/A2F clear on 0    |
 * |      |                                                | only; BSY reads 0                   |
 * | 10   | aging offset                                   | stored only (drift is `driftPpm`)   |
 * | 11-12| temperature                                    | 25.00 C (0x19, 0x00), read-only     |
 *
 * Time runs lazily from the VirtualClock: the counters are brought up to date whenever they
 * are touched, at (1 + driftPpm / 1e6) chip seconds per virtual second.
 *
 * The chip's calendar is the chip's, not the Gregorian one: a year whose two digits divide by 4
 * is a leap year, so 2100 (year 00 with the century bit) gets a 29 February, as on the real part
 * ("leap year compensation valid up to 2100"). Years run 2000-2199 (century bit 0/1); after
 * 2199-12-31 the counters wrap to 2000. Illogical register contents ("undefined operation" in
 * the datasheet) are normalised when time next advances (e.g. 31 February rolls into March).
 *
 * Power: the chip runs from VCC or from the backup battery. The I2C interface answers whenever
 * either is present (datasheet: "accessible whenever either VCC or VBAT is at a valid level").
 * - VCC off, battery in: time keeps running (unless EOSC = 1, which stops the oscillator on
 *   battery and sets OSF; the counters then hold).
 * - VCC off, battery out: the chip loses everything. When power returns: power-on reset, time
 *   2000-01-01 00:00:00 (day 1), OSF = 1, control 0x1C.
 * - First power from the battery alone (VCC still off): the oscillator does not start until VCC
 *   arrives or the chip is addressed on I2C (datasheet: "to preserve the battery").
 */
import type { VirtualClock } from "../virtual-clock.js";
import type { I2cDevice } from "./i2c-bus.js";

export const DS3231_ADDRESS = 0x68;

const REG_SECONDS = 0x00;
const REG_HOURS = 0x02;
const REG_DAY = 0x03;
const REG_DATE = 0x04;
const REG_MONTH = 0x05;
const REG_YEAR = 0x06;
const REG_CONTROL = 0x0e;
const REG_STATUS = 0x0f;
const REG_TEMP_MSB = 0x11;
const REG_TEMP_LSB = 0x12;
const LAST_REG = 0x12;

const EOSC = 0x80;
const CONV = 0x20;
const OSF = 0x80;

const CONTROL_POR = 0x1c;
const STATUS_POR = 0x88; // OSF and EN32kHz

/** Writable bits of registers 0x00-0x10 (0x11-0x12 are read-only). */
const WRITE_MASK = [0x7f, 0x7f, 0x7f, 0x07, 0x3f, 0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x8b, 0xff];

const SECONDS_PER_DAY = 86400;
/** 200 chip years (2000-2199): every fourth year a leap year. */
const CYCLE_DAYS = 200 * 365 + 50;
const CYCLE_SECONDS = CYCLE_DAYS * SECONDS_PER_DAY;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const bcd = (n: number) => ((Math.floor(n / 10) % 10) << 4) | n % 10;
const unbcd = (b: number) => (b >> 4) * 10 + (b & 15);

/** Chip calendar: days from 2000-01-01 to the first of January of year 2000 + y (0 <= y < 200). */
const daysBeforeYear = (y: number) => y * 365 + Math.floor((y + 3) / 4);
const chipMonthDays = (y: number, month: number) => (month === 2 && y % 4 === 0 ? 29 : MONTH_DAYS[month - 1]);

export interface Ds3231Options {
  /** UTC time the counters hold at construction (2000-01-01 .. 2199-12-31). */
  unixSeconds: number;
  /** Oscillator error: +20 means the chip gains 20 us per second. Default 0. */
  driftPpm?: number;
  /** Whether the backup coin cell is fitted. Default true. */
  battery?: boolean;
  /** Start with OSF set (as after a power loss nobody acknowledged). Default false. */
  oscillatorStopFlag?: boolean;
}

export class Ds3231 implements I2cDevice {
  readonly address = DS3231_ADDRESS;
  private readonly regs = new Uint8Array(LAST_REG + 1);
  private pointer = 0;
  private vcc = true;
  private battery: boolean;
  /** The chip holds state (some supply has been present without interruption). */
  private alive = true;
  /** Battery-only first power: oscillator held until VCC or an I2C address. */
  private heldForVcc = false;
  private driftPpm: number;
  /** Virtual time up to which the counters are current. */
  private syncedAtMs: number;
  /** Chip milliseconds into the current second at syncedAtMs. */
  private phaseMs = 0;

  constructor(
    private readonly clock: VirtualClock,
    options: Ds3231Options,
  ) {
    this.driftPpm = options.driftPpm ?? 0;
    this.battery = options.battery ?? true;
    this.syncedAtMs = clock.nowMs();
    this.powerOnReset();
    this.setCounters(options.unixSeconds);
    if (!options.oscillatorStopFlag) this.regs[REG_STATUS] &= ~OSF;
  }

  // ---- I2C ----------------------------------------------------------------------------

  isResponding(): boolean {
    return this.vcc || this.battery;
  }

  write(data: Uint8Array): void {
    this.addressed();
    if (data.length === 0) return;
    this.pointer = data[0];
    for (let i = 1; i < data.length; i++) {
      this.writeRegister(this.pointer, data[i]);
      this.pointer = this.pointer >= LAST_REG ? 0 : this.pointer + 1;
    }
  }

  read(count: number): Uint8Array {
    this.addressed();
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.pointer <= LAST_REG ? this.regs[this.pointer] : 0;
      this.pointer = this.pointer >= LAST_REG ? 0 : this.pointer + 1;
    }
    return out;
  }

  // ---- power --------------------------------------------------------------------------

  /** VCC goes away (the token is switched off or unplugged). */
  powerOff(): void {
    this.sync();
    if (!this.vcc) return;
    this.vcc = false;
    if (!this.battery) {
      this.alive = false;
    } else if (this.regs[REG_CONTROL] & EOSC) {
      this.regs[REG_STATUS] |= OSF; // oscillator stops on battery with EOSC set
    }
  }

  /** VCC returns. */
  powerOn(): void {
    this.sync();
    if (this.vcc) return;
    if (!this.alive) this.powerOnReset();
    this.vcc = true;
    this.heldForVcc = false;
  }

  batteryOut(): void {
    this.sync();
    if (!this.battery) return;
    this.battery = false;
    if (!this.vcc) this.alive = false;
  }

  batteryIn(): void {
    this.sync();
    if (this.battery) return;
    this.battery = true;
    if (!this.vcc && !this.alive) {
      this.powerOnReset();
      this.heldForVcc = true;
    }
  }

  isPowered(): boolean {
    return this.vcc;
  }

  hasBattery(): boolean {
    return this.battery;
  }

  /** Whether the oscillator is counting right now. */
  isRunning(): boolean {
    if (!this.alive || this.heldForVcc) return false;
    return this.vcc || (this.regs[REG_CONTROL] & EOSC) === 0;
  }

  setDriftPpm(ppm: number): void {
    this.sync();
    this.driftPpm = ppm;
  }

  // ---- test helpers (not visible to the firmware) --------------------------------------

  /** The time the counters hold, as Unix seconds (Gregorian, so a chip-only 2100-02-29 reads as 1 March). */
  trueUnixSeconds(): number {
    this.sync();
    const f = this.fields();
    return Date.UTC(2000 + f.y, f.month - 1, f.date, f.hour, f.minute, f.second) / 1000;
  }

  /** trueUnixSeconds plus the divider chain's progress into the current second, in milliseconds. */
  trueUnixMs(): number {
    return this.trueUnixSeconds() * 1000 + this.phaseMs;
  }

  /** Sets the counters to a UTC time (24-hour mode, day of week 1 = Monday), as a bench tool would. */
  setCounters(unixSeconds: number): void {
    if (!Number.isFinite(unixSeconds)) throw new RangeError(`DS3231: ${unixSeconds} is not a time`);
    const d = new Date(Math.floor(unixSeconds) * 1000);
    const y = d.getUTCFullYear() - 2000;
    if (y < 0 || y > 199) throw new RangeError(`DS3231: ${d.toISOString()} is outside 2000-2199`);
    this.sync();
    this.regs[REG_SECONDS] = bcd(d.getUTCSeconds());
    this.regs[0x01] = bcd(d.getUTCMinutes());
    this.regs[REG_HOURS] = bcd(d.getUTCHours());
    this.regs[REG_DAY] = ((d.getUTCDay() + 6) % 7) + 1;
    this.regs[REG_DATE] = bcd(d.getUTCDate());
    this.regs[REG_MONTH] = bcd(d.getUTCMonth() + 1) | (y >= 100 ? 0x80 : 0);
    this.regs[REG_YEAR] = bcd(y % 100);
    this.phaseMs = 0;
  }

  /** A copy of registers 0x00-0x12 as they read now. */
  registers(): Uint8Array {
    this.sync();
    return Uint8Array.from(this.regs);
  }

  /** OSF (status bit 7). */
  oscillatorStopFlag(): boolean {
    this.sync();
    return (this.regs[REG_STATUS] & OSF) !== 0;
  }

  // ---- internals ----------------------------------------------------------------------

  /** An I2C START with our address: brings the counters up to date; starts a held oscillator. */
  private addressed(): void {
    this.sync();
    this.heldForVcc = false;
  }

  private powerOnReset(): void {
    this.regs.fill(0);
    this.regs[REG_DAY] = 1;
    this.regs[REG_DATE] = 1;
    this.regs[REG_MONTH] = 1;
    this.regs[REG_CONTROL] = CONTROL_POR;
    this.regs[REG_STATUS] = STATUS_POR;
    this.regs[REG_TEMP_MSB] = 25;
    this.regs[REG_TEMP_LSB] = 0;
    this.pointer = 0;
    this.phaseMs = 0;
    this.alive = true;
    this.heldForVcc = false;
    this.syncedAtMs = this.clock.nowMs();
  }

  private writeRegister(reg: number, value: number): void {
    if (reg > 0x10) return; // temperature is read-only; beyond 0x12 there is nothing
    const v = value & WRITE_MASK[reg];
    if (reg === REG_STATUS) {
      // OSF, A2F, A1F can only be cleared; EN32kHz is read/write; BSY is read-only.
      this.regs[REG_STATUS] = (this.regs[REG_STATUS] & v & 0x83) | (v & 0x08);
      return;
    }
    if (reg === REG_CONTROL) {
      this.regs[REG_CONTROL] = v & ~CONV; // a forced temperature conversion completes at once
      return;
    }
    this.regs[reg] = v;
    if (reg === REG_SECONDS) {
      this.phaseMs = 0; // the countdown chain resets when the seconds register is written
      this.syncedAtMs = this.clock.nowMs();
    }
  }

  /** Brings the counters up to the virtual clock. */
  private sync(): void {
    const now = this.clock.nowMs();
    const elapsed = now - this.syncedAtMs;
    this.syncedAtMs = now;
    if (elapsed <= 0 || !this.isRunning()) return;
    const chipMs = this.phaseMs + elapsed * (1 + this.driftPpm / 1e6);
    const whole = Math.floor(chipMs / 1000);
    this.phaseMs = chipMs - whole * 1000;
    if (whole > 0) this.advanceSeconds(whole);
  }

  private fields() {
    const r = this.regs;
    const h = r[REG_HOURS];
    let hour: number;
    if (h & 0x40) {
      const h12 = unbcd(h & 0x1f);
      hour = (h12 % 12) + (h & 0x20 ? 12 : 0);
    } else {
      hour = unbcd(h & 0x3f);
    }
    return {
      second: unbcd(r[REG_SECONDS] & 0x7f),
      minute: unbcd(r[0x01] & 0x7f),
      hour,
      date: unbcd(r[REG_DATE] & 0x3f),
      month: unbcd(r[REG_MONTH] & 0x1f),
      y: unbcd(r[REG_YEAR]) + (r[REG_MONTH] & 0x80 ? 100 : 0),
    };
  }

  private advanceSeconds(n: number): void {
    const f = this.fields();
    const y = Math.min(f.y, 199);
    const month = Math.min(Math.max(f.month, 1), 12);
    let days = daysBeforeYear(y) + Math.max(f.date, 1) - 1;
    for (let m = 1; m < month; m++) days += chipMonthDays(y, m);
    const before = days * SECONDS_PER_DAY + f.hour * 3600 + f.minute * 60 + f.second;
    const after = before + n;
    const midnights = Math.floor(after / SECONDS_PER_DAY) - Math.floor(before / SECONDS_PER_DAY);
    let t = after % CYCLE_SECONDS;
    let dayNumber = Math.floor(t / SECONDS_PER_DAY);
    t -= dayNumber * SECONDS_PER_DAY;
    let year = Math.floor(dayNumber / 365.25);
    while (daysBeforeYear(year + 1) <= dayNumber) year++;
    while (daysBeforeYear(year) > dayNumber) year--;
    dayNumber -= daysBeforeYear(year);
    let mon = 1;
    while (dayNumber >= chipMonthDays(year, mon)) dayNumber -= chipMonthDays(year, mon++);

    const r = this.regs;
    const hour = Math.floor(t / 3600);
    r[REG_SECONDS] = bcd(t % 60);
    r[0x01] = bcd(Math.floor(t / 60) % 60);
    if (r[REG_HOURS] & 0x40) {
      r[REG_HOURS] = 0x40 | (hour >= 12 ? 0x20 : 0) | bcd(hour % 12 === 0 ? 12 : hour % 12);
    } else {
      r[REG_HOURS] = bcd(hour);
    }
    r[REG_DAY] = ((((r[REG_DAY] & 7) - 1 + midnights) % 7) + 7) % 7 + 1;
    r[REG_DATE] = bcd(dayNumber + 1);
    r[REG_MONTH] = bcd(mon) | (year >= 100 ? 0x80 : 0);
    r[REG_YEAR] = bcd(year % 100);
  }
}
