/**
 * The Espruino globals the token firmware uses, emulated in a Node vm context over the
 * simulated devices. One context is one power-on of the chip: RAM, timers and watches die
 * with it; flash, the DS3231 and the display's glass live on in the devices.
 *
 * Emulated (as documented at espruino.com/Reference, and checked where it matters against
 * Espruino 2v29's Linux build): I2C1, Serial1, LoopbackA, E (CRC32, hwRand, reboot,
 * getSizeOf), setWatch/clearWatch with debounce, digitalRead, pinMode, setTimeout/
 * setInterval/clearTimeout/clearInterval on virtual time, getTime/setTime, getSerial,
 * require("Storage"), require("crypto") (present or absent), ESP32.deepSleepExt0, print,
 * peek32 of the RNG register. E.hwRand is Espruino's fixed-seed generator, as on the chip.
 */
import { createHash } from "node:crypto";
import vm from "node:vm";
import zlib from "node:zlib";
import type { VirtualClock } from "./virtual-clock.js";
import type { I2cBus } from "./devices/i2c-bus.js";
import type { SimButton } from "./devices/button.js";
import type { SimFlash } from "./devices/flash.js";
import { createRepl } from "./repl.js";

/** What process.env reports, as Espruino 2v29's ESP32 build does. */
export const ESPRUINO_VERSION = "2v29";
export const ESPRUINO_BOARD = "ESP32";

/** What the environment reports back to the token that owns it. */
export interface EnvironmentHost {
  clock: VirtualClock;
  bus: I2cBus;
  button: SimButton;
  flash: SimFlash;
  /** The pin the button is wired to, by Espruino name ("D27"). */
  buttonPin: string;
  nativeCrypto: boolean;
  deviceId: string;
  /** Bytes the firmware writes to Serial1. */
  uartOut(text: string): void;
  /** Text printed to the console (REPL output or print()). */
  consoleOut(text: string): void;
  /** The firmware asked for deep sleep with wake on the button at `level`. */
  deepSleep(level: number): void;
  /** E.reboot() (no file) or load(file): the chip restarts and runs `file` (default .bootcde). */
  reboot(file?: string): void;
  /**
   * The radios as Espruino's ESP32 build keeps them (a flag in NVS, read at boot). Switching one
   * (ESP32.enableBLE / enableWifi) stores the flag, removes the saved code (.bootcde) and restarts.
   */
  radios: { ble: boolean; wifi: boolean };
  switchRadio(radio: "ble" | "wifi", on: boolean): void;
  /** An exception escaped a callback: Espruino prints it and carries on. */
  uncaught(error: unknown): void;
  /** False once power is gone: every side effect is then dropped. */
  alive(): boolean;
  /** A read of the ESP32's RNG_DATA_REG (peek32(0x3FF75144)). */
  rngRegister(): number;
}

/** The ESP32's hardware random number register. */
export const ESP32_RNG_DATA_REG = 0x3ff75144;

/**
 * Espruino's E.hwRand on an ESP32: its own rand() (src/jsutils.c), a multiply-with-carry
 * generator whose state starts at fixed values at every boot and is never reseeded, so every
 * board gives the same sequence after every start. The genuine Linux build gives the same
 * numbers (2002641757, 1519824769, ... from power-on), which test/sim checks.
 */
export function espruinoRand(): () => number {
  let w = 0xdeadbeef;
  let z = 0xcafebabe;
  return () => {
    z = (Math.imul(36969, z & 65535) + (z >>> 16)) >>> 0;
    w = (Math.imul(18000, w & 65535) + (w >>> 16)) >>> 0;
    return 0x7fffffff & ((z << 16) + w);
  };
}

export interface EspruinoEnvironment {
  context: vm.Context;
  /** Delivers bytes from the host to Serial1's data listeners, or to the REPL while the console is there. */
  receive(text: string): void;
  /** Whether the console (REPL) is on Serial1. */
  consoleOnSerial(): boolean;
  /** A raw edge on the button pin (the token forwards its button's edges here). */
  buttonEdge(): void;
  /** Stops timers and watches (power off, sleep, reboot). */
  shutDown(): void;
  /** Runs a callback as Espruino's event loop would: exceptions are reported, not thrown. */
  invoke(fn: () => void): void;
}

interface Pin {
  name: string;
  toString(): string;
}

interface Watch {
  id: number;
  pin: string;
  edge: string;
  debounce: number;
  repeat: boolean;
  handler: (event: { state: boolean; time: number; lastTime: number }) => void;
  reported: 0 | 1;
  lastTime: number;
  pendingCheck: number;
}

const toBytes = (data: unknown): Uint8Array => {
  if (typeof data === "string") return Uint8Array.from(Buffer.from(data, "latin1"));
  if (typeof data === "number") return Uint8Array.of(data & 255);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) || (data !== null && typeof data === "object" && "length" in (data as object))) {
    return Uint8Array.from(Array.from(data as ArrayLike<number>, (v) => v & 255));
  }
  throw new Error("Expecting a number or something iterable, got " + typeof data);
};

export function createEspruinoEnvironment(host: EnvironmentHost): EspruinoEnvironment {
  const { clock } = host;
  let systemOffsetMs = -clock.nowMs(); // Espruino's clock starts near 0 at boot
  let running = true;
  const timers = new Map<number, number>(); // Espruino timer id -> clock schedule id
  let nextTimerId = 1;
  const watches: Watch[] = [];
  let nextWatchId = 1;
  const serialListeners: Array<(data: string) => void> = [];
  let consoleOnSerial = true;
  const consolePrint = (args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (consoleOnSerial) {
      if (running && host.alive()) host.uartOut(text + "\r\n");
    } else host.consoleOut(text + "\n");
  };

  const invoke = (fn: () => void) => {
    if (!running || !host.alive()) return;
    try {
      fn();
    } catch (error) {
      if (host.alive()) host.uncaught(error);
    }
  };

  const pins: Record<string, Pin> = {};
  for (let i = 0; i <= 39; i++) {
    const name = `D${i}`;
    pins[name] = { name, toString: () => name };
  }
  const pinName = (pin: unknown) => (pin && typeof pin === "object" && "name" in pin ? (pin as Pin).name : String(pin));

  const getTime = () => (clock.nowMs() + systemOffsetMs) / 1000;

  const schedule = (fn: () => void, ms: number, repeat: boolean): number => {
    const id = nextTimerId++;
    const delay = Math.max(0, Number(ms) || 0);
    const arm = () => {
      timers.set(
        id,
        clock.schedule(delay, () => {
          if (!timers.has(id)) return;
          if (repeat) arm();
          else timers.delete(id);
          invoke(fn);
        }),
      );
    };
    arm();
    return id;
  };
  const clearTimer = (id: unknown) => {
    if (id === undefined) {
      for (const handle of timers.values()) clock.cancel(handle);
      timers.clear();
      return;
    }
    const handle = timers.get(Number(id));
    if (handle !== undefined) clock.cancel(handle);
    timers.delete(Number(id));
  };

  // Espruino's debounce: after an edge, wait until the pin has been stable for `debounce` ms,
  // then report the level if it differs from the last one reported.
  const onButtonEdge = () => {
    for (const watch of watches) {
      if (watch.pin !== host.buttonPin) continue;
      if (watch.pendingCheck !== 0) clock.cancel(watch.pendingCheck);
      watch.pendingCheck = clock.schedule(watch.debounce, () => {
        watch.pendingCheck = 0;
        const level = host.button.level();
        if (level === watch.reported) return;
        watch.reported = level;
        const wanted = watch.edge === "both" || (watch.edge === "rising" && level === 1) || (watch.edge === "falling" && level === 0);
        if (!wanted) return;
        const time = getTime();
        const event = { state: level === 1, time, lastTime: watch.lastTime };
        watch.lastTime = time;
        if (!watch.repeat) watches.splice(watches.indexOf(watch), 1);
        invoke(() => watch.handler(event));
      });
    }
  };

  const storage = {
    read: (name: string, offset?: number, length?: number) => {
      const data = host.flash.read(name);
      if (data === undefined) return undefined;
      return data.slice(offset ?? 0, length === undefined ? undefined : (offset ?? 0) + length);
    },
    readArrayBuffer: (name: string) => {
      const data = host.flash.read(name);
      return data === undefined ? undefined : toBytes(data).buffer;
    },
    write: (name: string, data: unknown, offset?: number, size?: number) => {
      if (!host.alive()) return false;
      const text = typeof data === "string" ? data : Buffer.from(toBytes(data)).toString("latin1");
      return host.flash.write(name, text, offset, size);
    },
    erase: (name: string) => {
      if (host.alive()) host.flash.erase(name);
    },
    list: () => host.flash.list(),
    compact: () => {
      if (host.alive()) host.flash.compact();
    },
    getFree: () => host.flash.getFree(),
    getStats: () => host.flash.getStats(),
  };

  const crypto = {
    SHA1: (data: unknown) => {
      const digest = createHash("sha1").update(toBytes(data)).digest();
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length);
    },
  };

  const sandbox: Record<string, unknown> = {
    ...pins,
    I2C1: {
      setup: () => undefined,
      writeTo: (address: number, ...data: unknown[]) => {
        if (!host.alive()) return;
        const bytes = data.length === 1 ? toBytes(data[0]) : toBytes(data.flatMap((d) => Array.from(toBytes(d))));
        host.bus.writeTo(address, bytes);
      },
      readFrom: (address: number, quantity: number) => host.bus.readFrom(address, quantity),
    },
    Serial1: {
      setup: () => undefined,
      on: (event: string, handler: (data: string) => void) => {
        if (event === "data") serialListeners.push(handler);
      },
      removeAllListeners: (event?: string) => {
        if (event === undefined || event === "data") serialListeners.length = 0;
      },
      write: (...data: unknown[]) => {
        if (!host.alive()) return;
        host.uartOut(data.map((d) => (typeof d === "string" ? d : Buffer.from(toBytes(d)).toString("latin1"))).join(""));
      },
      print: (text: string) => host.alive() && host.uartOut(String(text)),
      setConsole: () => {
        consoleOnSerial = true;
      },
    },
    LoopbackA: {
      setConsole: () => {
        consoleOnSerial = false;
      },
    },
    E: {
      CRC32: (data: unknown) => zlib.crc32(toBytes(data)) | 0,
      hwRand: espruinoRand(),
      reboot: () => host.reboot(),
      getSizeOf: () => 0,
      toString: (...data: unknown[]) => data.map((d) => Buffer.from(toBytes(d)).toString("latin1")).join(""),
    },
    ESP32: {
      deepSleepExt0: (pin: unknown, level: number) => {
        if (pinName(pin) !== host.buttonPin) throw new Error(`deepSleepExt0 on ${pinName(pin)}: nothing is wired there`);
        host.deepSleep(level);
      },
      deepSleep: () => {
        throw new Error("timer deep sleep is not used by the token");
      },
      enableBLE: (on: unknown) => host.switchRadio("ble", on === true),
      enableWifi: (on: unknown) => host.switchRadio("wifi", on === true),
    },
    setWatch: (handler: Watch["handler"], pin: unknown, options: { repeat?: boolean; edge?: string; debounce?: number } = {}) => {
      const watch: Watch = {
        id: nextWatchId++,
        pin: pinName(pin),
        edge: options.edge ?? "both",
        debounce: options.debounce ?? 0,
        repeat: options.repeat ?? false,
        handler,
        reported: host.button.level(),
        lastTime: getTime(),
        pendingCheck: 0,
      };
      watches.push(watch);
      return watch.id;
    },
    clearWatch: (id?: number) => {
      const index = id === undefined ? -1 : watches.findIndex((w) => w.id === id);
      if (id === undefined) watches.length = 0;
      else if (index >= 0) watches.splice(index, 1);
    },
    digitalRead: (pin: unknown) => (pinName(pin) === host.buttonPin ? host.button.level() : 0),
    pinMode: () => undefined,
    getTime,
    setTime: (seconds: number) => {
      systemOffsetMs = seconds * 1000 - clock.nowMs();
    },
    getSerial: () => host.deviceId,
    peek32: (address: number) => {
      // The one register the firmware reads: anything else would fault on a real chip.
      if (address !== ESP32_RNG_DATA_REG) throw new Error(`peek32(0x${address.toString(16)}): not an address the token reads`);
      return host.rngRegister();
    },
    setTimeout: (fn: () => void, ms: number) => schedule(fn, ms, false),
    setInterval: (fn: () => void, ms: number) => schedule(fn, ms, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    // Printing goes wherever the console is: the UART while the REPL is on Serial1.
    print: (...args: unknown[]) => consolePrint(args),
    console: { log: (...args: unknown[]) => consolePrint(args) },
    echo: () => undefined,
    load: (file?: string) => host.reboot(file === undefined ? undefined : String(file)),
    require: (name: string) => {
      if (name === "Storage") return storage;
      if (name === "crypto" && host.nativeCrypto) return crypto;
      throw new Error(`Module ${name} not found`);
    },
    process: {
      // Only the heap's size is modelled: about 2,200 JsVars with Bluetooth's memory reserved,
      // 4,000 without (Espruino's ESP32 notes: BLE off frees about 1,800).
      memory: () => ({ free: 0, usage: 0, total: host.radios.ble ? 2200 : 4000 }),
      version: ESPRUINO_VERSION,
      env: {
        VERSION: ESPRUINO_VERSION,
        BOARD: ESPRUINO_BOARD,
        MODULES: "Flash,Storage,heatshrink,fs" + (host.nativeCrypto ? ",crypto" : "") + ",neopixel,Wifi,ESP32",
      },
    },
    atob: (text: string) => Buffer.from(String(text), "base64").toString("latin1"),
    btoa: (text: string) => Buffer.from(String(text), "latin1").toString("base64"),
  };
  const context = vm.createContext(sandbox);
  const repl = createRepl({ context, write: (text) => host.uartOut(text), alive: () => running && host.alive() });
  // What Espruino lacks is absent here too (DEVICE-PLATFORMS.md), so a firmware that relied on
  // it fails in the simulator as it would on the board.
  vm.runInContext(
    "delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.Symbol;" +
      "delete Math.imul; delete Math.trunc; delete Math.clz32; delete Number.isInteger; delete Number.isNaN; delete Array.from;",
    context,
  );

  return {
    context,
    receive(text: string) {
      if (!running || !host.alive()) return;
      if (consoleOnSerial) {
        repl.receive(text);
        return;
      }
      for (const listener of [...serialListeners]) invoke(() => listener(text));
    },
    consoleOnSerial: () => consoleOnSerial,
    buttonEdge() {
      if (running) onButtonEdge();
    },
    shutDown() {
      running = false;
      clearTimer(undefined);
      for (const watch of watches) if (watch.pendingCheck !== 0) clock.cancel(watch.pendingCheck);
      watches.length = 0;
      serialListeners.length = 0;
    },
    invoke,
  };
}
