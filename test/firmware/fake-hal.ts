/**
 * A plain fake Hal for firmware unit tests: I2C transcripts per address with a DS3231
 * register model behind 0x68, Map-backed storage with power-cut and full-flash injection,
 * UART capture, a settable clock and manual timers.
 */
import type { Bytes, Hal } from "../../firmware/platform/hal.js";

export type I2cEvent =
  | { kind: "write"; data: number[] }
  | { kind: "read"; register: number; count: number; result: number[] };

/** The string storageWrite throws when `cutAfterBytes` cuts a write short. */
export const POWER_CUT = "power cut";

export interface FakeHalHandles {
  hal: Hal;
  /** Everything on the bus, per 7-bit address, in order. */
  i2c: Map<number, I2cEvent[]>;
  /** Only the writes to one address. */
  writesTo(address: number): number[][];
  /** The DS3231's registers 0x00-0x12: set them to shape what readRtc sees. */
  rtc: number[];
  storage: Map<string, string>;
  /**
   * When a number: the next storageWrite programs only the first cutAfterBytes bytes of its
   * data and leaves the rest of the file as erased flash reads (0xFF bytes, at the full size:
   * Espruino allocates a file whole before writing it), throws POWER_CUT, and resets this to null.
   */
  cutAfterBytes: number | null;
  /** When true, storageWrite returns false (flash full) and leaves storage unchanged. */
  flashFull: boolean;
  /** Bytes written through storageWrite (including cut writes). */
  storageBytesWritten: number;
  uart: string[];
  now: number;
  timers: Map<number, { at: number; fn: () => void }>;
}

export interface FakeHalOptions {
  /** Use Uint8Array for newBytes (like Espruino) instead of number[]. */
  typedBytes?: boolean;
  nativeCrc32?: ((data: string) => number) | null;
}

export function createFakeHal(options: FakeHalOptions = {}): FakeHalHandles {
  const i2c = new Map<number, I2cEvent[]>();
  const log = (address: number, event: I2cEvent) => {
    if (!i2c.has(address)) i2c.set(address, []);
    i2c.get(address)!.push(event);
  };
  const handles: FakeHalHandles = {
    hal: undefined as unknown as Hal,
    i2c,
    writesTo: (address) =>
      (i2c.get(address) ?? []).flatMap((e) => (e.kind === "write" ? [e.data] : [])),
    // Power-on state of a DS3231: 2000-01-01 00:00:00 (weekday 1 by default), OSF set.
    rtc: [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x1c, 0x88, 0, 0, 0],
    storage: new Map(),
    cutAfterBytes: null,
    flashFull: false,
    storageBytesWritten: 0,
    uart: [],
    now: 1_700_000_000,
    timers: new Map(),
  };
  let nextTimer = 1;
  const hal: Hal = {
    i2cWrite(address, data) {
      log(address, { kind: "write", data: [...data] });
      if (address === 0x68 && data.length > 0) {
        for (let i = 1; i < data.length; i++) handles.rtc[(data[0] + i - 1) % handles.rtc.length] = data[i] & 255;
      }
    },
    i2cReadRegisters(address, register, count) {
      const result: number[] = [];
      for (let i = 0; i < count; i++) {
        result.push(address === 0x68 ? handles.rtc[(register + i) % handles.rtc.length] : 0);
      }
      log(address, { kind: "read", register, count, result: [...result] });
      return result;
    },
    newBytes(length) {
      return (options.typedBytes === true ? new Uint8Array(length) : new Array<number>(length).fill(0)) as unknown as Bytes;
    },
    nowSeconds: () => handles.now,
    setSystemTime(seconds) {
      handles.now = seconds;
    },
    millisecondsIntoSecond: () => 0,
    afterMs(ms, fn) {
      const id = nextTimer++;
      handles.timers.set(id, { at: handles.now * 1000 + ms, fn });
      return id;
    },
    cancelTimer(id) {
      handles.timers.delete(id);
    },
    storageRead: (name) => (handles.storage.has(name) ? handles.storage.get(name)! : null),
    storageWrite(name, data) {
      if (handles.flashFull) return false;
      const cut = handles.cutAfterBytes;
      if (cut !== null) {
        handles.cutAfterBytes = null;
        const programmed = Math.min(cut, data.length);
        handles.storage.set(name, data.slice(0, programmed) + "\xff".repeat(data.length - programmed));
        handles.storageBytesWritten += Math.min(cut, data.length);
        throw POWER_CUT;
      }
      handles.storage.set(name, data);
      handles.storageBytesWritten += data.length;
      return true;
    },
    storageWriteAt(name, data, offset, size) {
      // Espruino's offset writes: offset 0 (re)creates the file, padded with 0xFF; later
      // offsets may only program bytes that are still 0xFF.
      if (handles.flashFull) return false;
      let file = handles.storage.get(name);
      if (offset === 0) file = "\xff".repeat(size);
      if (file === undefined || offset + data.length > file.length) return false;
      for (let i = 0; i < data.length; i++) if (file.charCodeAt(offset + i) !== 0xff) return false;
      handles.storage.set(name, file.slice(0, offset) + data + file.slice(offset + data.length));
      handles.storageBytesWritten += data.length;
      return true;
    },
    storageErase(name) {
      handles.storage.delete(name);
    },
    uartWrite(text) {
      handles.uart.push(text);
    },
    onUartData() {},
    openRepl: null,
    onButton() {},
    buttonIsDown: () => false,
    deepSleep: null,
    reboot: null,
    deviceId: () => "246f28aabbcc",
    randomBytes: (count) => Array.from({ length: count }, (_, i) => (i * 37 + 11) & 255),
    nativeSha1: null,
    nativeCrc32: options.nativeCrc32 ?? null,
    storageCompact: null,
  };
  handles.hal = hal;
  return handles;
}
