/**
 * The Hal over Espruino's globals. The only firmware file (with board.ts and main.ts) that
 * touches Espruino APIs; the simulator emulates the same globals to run this very code.
 */
import { Bytes, Hal } from "../hal.js";
import { BUTTON_DEBOUNCE_MS, BUTTON_PIN, I2C_BITRATE, I2C_SCL, I2C_SDA } from "./board.js";

function toArray(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    out.push(data[i]);
  }
  return out;
}

/**
 * The native SHA-1 where the firmware has the crypto module (absent on classic-ESP32 IDF4):
 * a byte string in, the digest as a byte string out (E.toString of its ArrayBuffer). Nothing
 * else wraps it, so a code costs about what two bare crypto.SHA1 calls cost.
 */
function findNativeSha1(): ((message: string) => string) | null {
  let crypto: { SHA1: (data: string) => ArrayBuffer } | null = null;
  try {
    crypto = require("crypto");
  } catch (missing) {
    crypto = null;
  }
  if (crypto === null || typeof crypto.SHA1 !== "function") {
    return null;
  }
  const sha1 = crypto.SHA1;
  return function (message: string): string {
    return E.toString(sha1(message));
  };
}

/** The ESP32's hardware random number register (ESP32 TRM, RNG_DATA_REG). */
const ESP32_RNG_DATA_REG = 0x3ff75144;

let timerIds = 0;

/**
 * The protocol owns the console UART: the REPL moves to a loopback nobody listens to. main()
 * calls this before anything else (before any I2C), so no boot fault and no byte sent while
 * the token boots can reach the REPL.
 */
export function takeConsole(): void {
  LoopbackA.setConsole(true);
}

export function createEspruinoHal(): Hal {
  I2C1.setup({ sda: I2C_SDA, scl: I2C_SCL, bitrate: I2C_BITRATE });
  pinMode(BUTTON_PIN, "input_pullup");
  const storage = require("Storage");
  const timers: Record<string, number> = {};
  return {
    i2cWrite: function (address: number, data: number[]) {
      I2C1.writeTo(address, data);
    },
    i2cReadRegisters: function (address: number, register: number, count: number) {
      I2C1.writeTo(address, [register]);
      return toArray(I2C1.readFrom(address, count));
    },
    newBytes: function (length: number): Bytes {
      return new Uint8Array(length) as unknown as Bytes;
    },
    nowSeconds: function () {
      return Math.floor(getTime());
    },
    setSystemTime: function (unixSeconds: number) {
      setTime(unixSeconds);
    },
    millisecondsIntoSecond: function () {
      const t = getTime();
      return Math.floor((t - Math.floor(t)) * 1000);
    },
    afterMs: function (ms: number, fn: () => void) {
      timerIds = timerIds + 1;
      const id = timerIds;
      timers[id] = setTimeout(function () {
        delete timers[id];
        fn();
      }, ms) as unknown as number;
      return id;
    },
    cancelTimer: function (id: number) {
      const handle = timers[id];
      if (handle !== undefined) {
        clearTimeout(handle);
        delete timers[id];
      }
    },
    storageRead: function (name: string) {
      const data = storage.read(name);
      // On an ESP32 Storage.read returns a view of memory-mapped flash, and substrings of it
      // are views too: rewriting the file turns them into null. Records are small, so callers
      // get a copy in RAM (concatenation copies; E.toString and substr keep the view).
      return data === undefined ? null : "" + data;
    },
    storageWrite: function (name: string, data: string) {
      try {
        return storage.write(name, data) !== false;
      } catch (full) {
        return false;
      }
    },
    storageWriteAt: function (name: string, data: string, offset: number, size: number) {
      try {
        return storage.write(name, data, offset, size) !== false;
      } catch (refused) {
        return false;
      }
    },
    storageErase: function (name: string) {
      storage.erase(name);
    },
    storageCompact: function () {
      storage.compact();
    },
    uartWrite: function (text: string) {
      Serial1.write(text);
    },
    onUartData: function (handler: (chunk: string) => void) {
      Serial1.on("data", handler); // main() has taken the console (takeConsole)
    },
    openRepl: function () {
      Serial1.removeAllListeners("data");
      Serial1.setConsole(true);
    },
    onButton: function (handler: (pressed: boolean) => void) {
      setWatch(
        function (event) {
          handler(!event.state); // wired to ground: low is pressed
        },
        BUTTON_PIN,
        { repeat: true, edge: "both", debounce: BUTTON_DEBOUNCE_MS },
      );
    },
    buttonIsDown: function () {
      return digitalRead(BUTTON_PIN) === 0;
    },
    deepSleep:
      typeof ESP32 !== "undefined"
        ? function () {
            (ESP32 as { deepSleepExt0(pin: unknown, level: number): void }).deepSleepExt0(BUTTON_PIN, 0);
          }
        : null,
    reboot: function () {
      E.reboot();
    },
    deviceId: function () {
      return getSerial();
    },
    randomBytes: function (count: number) {
      // E.hwRand is Espruino's fixed-seed rand() on an ESP32; the chip's RNG register adds what
      // entropy it has (real noise with a radio or the ADC running, less without).
      const esp32 = typeof ESP32 !== "undefined";
      const bytes: number[] = [];
      for (let i = 0; i < count; i++) {
        const word = esp32 ? E.hwRand() ^ peek32(ESP32_RNG_DATA_REG) : E.hwRand();
        bytes.push((word ^ (word >>> 8) ^ (word >>> 16) ^ (word >>> 24)) & 255);
      }
      return bytes;
    },
    nativeSha1: findNativeSha1(),
    nativeCrc32: function (data: string) {
      return E.CRC32(data);
    },
  };
}
