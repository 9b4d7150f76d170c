/**
 * The token's software twin: an ESP32 running the exact firmware bundle
 * (dist/espruino/tokensmith-firmware.js) in emulated Espruino, wired to a DS3231, an SSD1306,
 * a button and flash, on virtual time.
 *
 * Power is modelled: powerOff() loses RAM and the display, flash and the DS3231 (on its coin
 * cell) survive; a power cut armed in flash stops the chip in the middle of a write.
 *
 * Boot is a real board's: at power-on (and after E.reboot() or load()) the chip runs the
 * Storage file ".bootcde" if there is one; without one, the console stays on Serial1 and what
 * the host types goes to the Espruino REPL (repl.ts), which is how `tokensmith install` puts
 * the firmware there. `preinstallFirmware` (default true) makes every chip behave as one
 * with the bundle installed, so suites that are not about installing need no install step.
 */
import { EventEmitter } from "node:events";
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { VirtualClock } from "./virtual-clock.js";
import { I2cBus } from "./devices/i2c-bus.js";
import { Ds3231 } from "./devices/ds3231.js";
import { Ssd1306 } from "./devices/ssd1306.js";
import { SimButton } from "./devices/button.js";
import { PowerCutError, SimFlash } from "./devices/flash.js";
import { createEspruinoEnvironment, type EspruinoEnvironment } from "./espruino-env.js";
import { firmwareFromSources, firmwareFromSourcesWanted } from "./firmware-from-source.js";
import { lieToFirmware, lieToHost, type Lie, type LineRewriter } from "./liar.js";

export const FIRMWARE_BUNDLE = "dist/espruino/tokensmith-firmware.js";

/**
 * The repository (or installed package) this file belongs to: two folders up from the source
 * (hardware/sim/), four from its compiled copy (dist/node/hardware/sim/).
 */
function projectRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = here.split(path.sep).slice(-4, -2).join("/") === "dist/node";
  return path.resolve(here, compiled ? "../../../.." : "../..");
}
/** The Storage file Espruino runs at boot. */
export const BOOT_FILE = ".bootcde";

export interface SimTokenOptions {
  /** The firmware file to run (default: the built bundle). */
  firmwareFile?: string;
  /** Whether require("crypto") exists (classic-ESP32 IDF4 Espruino has none). Default true. */
  nativeCrypto?: boolean;
  /** The DS3231's time at the start, UTC seconds (default: the host's clock). */
  rtcUnixSeconds?: number;
  /** DS3231 drift in ppm (default 0). */
  driftPpm?: number;
  /** Persist flash to this file. */
  flashFile?: string;
  /** Flash size in bytes. */
  flashCapacity?: number;
  /**
   * The chip id HELLO reports (getSerial()). Default: the one a flash file recorded, else a
   * random one in Espressif's address block: two simulated tokens are two boards.
   */
  deviceId?: string;
  /** The button pin (Espruino name), as in hardware/boards/esp32-devkit/board.json. */
  buttonPin?: string;
  /**
   * What a chip whose Storage has no ".bootcde" boots:
   * - true (default): the firmware bundle, as if it had been installed, without writing it to
   *   the simulated Storage (so the Storage the firmware sees, its free space and its write
   *   counters are its own, as the record and power-cut suites expect);
   * - "storage": the bundle is written to Storage as ".bootcde" at construction (a board
   *   flashed with the Web IDE); the write is not counted in the flash counters;
   * - false: nothing: a bare ESP32 with Espruino, its REPL on Serial1.
   * A ".bootcde" in Storage always wins.
   */
  preinstallFirmware?: boolean | "storage";
  /**
   * Bluetooth and Wi-Fi on, as on an ESP32 freshly flashed with Espruino (default false: a
   * board `tokensmith install` has already set up, radios off).
   */
  radiosOn?: boolean;
  /**
   * What the ESP32's RNG register (peek32(0x3FF75144)) gives: "noise" (default), fresh random
   * words as with a radio running; "none", zero, the worst case of a chip whose RNG adds
   * nothing (what an attacker would hope for): E.hwRand's fixed sequence is then all there is.
   */
  hardwareRng?: "noise" | "none";
  /** A token that lies (hardware/sim/liar.ts): for the host's refusal paths. Default: none. */
  lie?: Lie;
}

export type PowerState = "off" | "running" | "sleeping";

/** A chip id like an ESP32's getSerial(): an Espressif MAC prefix and three random bytes. */
export function randomChipId(): string {
  return "246f28" + randomBytes(3).toString("hex");
}

export class SimulatedToken extends EventEmitter {
  readonly clock: VirtualClock;
  readonly bus = new I2cBus();
  readonly rtc: Ds3231;
  readonly display = new Ssd1306();
  readonly button: SimButton;
  readonly flash: SimFlash;
  readonly options: Required<Omit<SimTokenOptions, "flashFile" | "flashCapacity" | "radiosOn" | "lie">>;
  /** The lie between the UART and the firmware, both ways (null: an honest token). */
  private readonly lies: { in: LineRewriter; out: LineRewriter } | null;
  /** The radios' flags (NVS: they survive power cycles). */
  readonly radios: { ble: boolean; wifi: boolean };
  /** What the last boot ran: ".bootcde", another Storage file (load(name)), "preinstalled" or "repl". */
  bootedFrom = "";
  state: PowerState = "off";
  bootCount = 0;
  /** Exceptions that escaped the firmware (Espruino would print "Uncaught ..."). */
  readonly uncaught: string[] = [];
  /** Every byte string the token wrote to its UART, in order (tests scan these). */
  readonly uartLog: string[] = [];
  private env: EspruinoEnvironment | null = null;
  private firmware: string;
  private powered = false;
  private wakeLevel = -1;

  constructor(options: SimTokenOptions = {}) {
    super();
    this.flash = options.flashFile ? SimFlash.loadOrCreate(options.flashFile, options.flashCapacity) : new SimFlash({ capacityBytes: options.flashCapacity });
    // Every board its own chip id; one kept in a flash file stays the same board.
    this.flash.chipId = options.deviceId ?? this.flash.chipId ?? randomChipId();
    this.options = {
      firmwareFile: options.firmwareFile ?? path.join(projectRoot(), FIRMWARE_BUNDLE),
      nativeCrypto: options.nativeCrypto ?? true,
      rtcUnixSeconds: options.rtcUnixSeconds ?? Math.floor(Date.now() / 1000),
      driftPpm: options.driftPpm ?? 0,
      deviceId: this.flash.chipId,
      buttonPin: options.buttonPin ?? "D27",
      preinstallFirmware: options.preinstallFirmware ?? true,
      hardwareRng: options.hardwareRng ?? "noise",
    };
    this.radios = { ble: options.radiosOn === true, wifi: options.radiosOn === true };
    this.lies = options.lie ? { in: lieToFirmware(options.lie), out: lieToHost(options.lie) } : null;
    this.firmware = firmwareFromSourcesWanted() && options.firmwareFile === undefined ? firmwareFromSources(projectRoot()) : readFileSync(this.options.firmwareFile, "utf8");
    this.clock = new VirtualClock(this.options.rtcUnixSeconds * 1000);
    this.rtc = new Ds3231(this.clock, { unixSeconds: this.options.rtcUnixSeconds, driftPpm: this.options.driftPpm });
    this.button = new SimButton(this.clock);
    if (this.options.preinstallFirmware === "storage" && this.flash.read(BOOT_FILE) === undefined) {
      const { bytesWrittenTotal, writeCalls } = this.flash;
      this.flash.write(BOOT_FILE, this.firmware);
      Object.assign(this.flash, { bytesWrittenTotal, writeCalls });
    }
    this.bus.attach(this.rtc);
    this.bus.attach(this.display);
    this.button.onEdge((level) => {
      if (this.state === "sleeping" && level === this.wakeLevel) {
        // ext0 wake: the chip restarts with the button still held.
        this.clock.schedule(0, () => this.boot());
        return;
      }
      this.env?.buttonEdge();
    });
  }

  /** Applies power (USB plugged in): the chip boots. */
  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.rtc.powerOn();
    this.display.powerOn();
    this.boot();
  }

  /** Removes power: RAM and the display are lost; flash and the DS3231 (on battery) stay. */
  powerOff(): void {
    this.stop();
    this.powered = false;
    this.state = "off";
    this.rtc.powerOff();
    this.display.powerOff();
    this.emit("state", this.state);
  }

  batteryOut(): void {
    this.rtc.batteryOut();
  }

  batteryIn(): void {
    this.rtc.batteryIn();
  }

  /** Presses the button for `holdMs` (with contact bounce). */
  press(holdMs = 120): void {
    this.button.press(holdMs);
  }

  longPress(): void {
    this.button.press(1200);
  }

  /** Lets virtual time run. */
  advance(seconds: number): void {
    this.clock.advance(seconds * 1000);
    this.checkPowerCut();
  }

  advanceMs(ms: number): void {
    this.clock.advance(ms);
    this.checkPowerCut();
  }

  /** Host -> token bytes on the console UART. */
  sendToToken(text: string): void {
    if (this.state !== "running" || this.env === null) return;
    this.env.receive(this.lies === null ? text : this.lies.in.push(text));
    this.checkPowerCut();
  }

  /** SHA compressions the firmware has run since this boot (its benchmark counter). */
  compressions(): number {
    const firmware = this.env?.context.TokensmithFirmware as { compressionsSoFar?: () => number } | undefined;
    return firmware?.compressionsSoFar?.() ?? 0;
  }

  /** Whether the Espruino console (REPL) is on the UART rather than the token protocol. */
  replOnUart(): boolean {
    return this.env?.consoleOnSerial() ?? false;
  }

  private stop(): void {
    this.env?.shutDown();
    this.env = null;
  }

  private boot(file?: string): void {
    this.stop();
    this.state = "running";
    this.bootCount += 1;
    this.wakeLevel = -1;
    this.flash.disarmIfCut();
    const env = createEspruinoEnvironment({
      clock: this.clock,
      bus: this.bus,
      button: this.button,
      flash: this.flash,
      buttonPin: this.options.buttonPin,
      nativeCrypto: this.options.nativeCrypto,
      deviceId: this.options.deviceId,
      uartOut: (raw) => {
        const text = this.lies === null ? raw : this.lies.out.push(raw);
        if (text === "") return;
        this.uartLog.push(text);
        this.emit("uart", text);
      },
      consoleOut: (text) => this.emit("console", text),
      deepSleep: (level) => {
        this.stop();
        this.state = "sleeping";
        this.wakeLevel = level;
        this.emit("state", this.state); // the panel keeps power; the firmware turned it off
      },
      reboot: (file) => this.clock.schedule(0, () => this.boot(file)),
      radios: this.radios,
      switchRadio: (radio, on) => {
        this.radios[radio] = on;
        this.flash.erase(BOOT_FILE); // jsfRemoveCodeFromFlash
        this.clock.schedule(0, () => this.boot());
      },
      uncaught: (error) => {
        if (error instanceof PowerCutError) return;
        this.uncaught.push(error instanceof Error ? error.stack ?? error.message : String(error));
        this.emit("uncaught", error);
      },
      alive: () => this.env === env && !this.flash.wasCut(),
      rngRegister: this.options.hardwareRng === "none" ? () => 0 : () => randomInt(0, 2 ** 32) | 0,
    });
    this.env = env;
    // Mutation testing: the firmware's mutant switches read the test process's Stryker state.
    const stryker = (globalThis as { __stryker__?: unknown }).__stryker__;
    if (stryker !== undefined && firmwareFromSourcesWanted()) env.context.__stryker__ = stryker;
    this.emit("state", this.state);
    const stored = this.flash.read(file ?? BOOT_FILE);
    let code: string | undefined = stored;
    let filename = file ?? BOOT_FILE;
    if (code === undefined && file === undefined && this.options.preinstallFirmware === true) {
      code = this.firmware;
      filename = "tokensmith-firmware.js";
    }
    this.bootedFrom = code === undefined ? "repl" : code === stored ? filename : "preinstalled";
    if (code !== undefined) {
      const source = code;
      env.invoke(() => vm.runInContext(source, env.context, { filename }));
    }
    this.checkPowerCut();
  }

  /** A power cut fired inside a flash write: the chip is now off, mid-operation. */
  private checkPowerCut(): void {
    if (this.flash.wasCut() && this.state !== "off") {
      this.powerOff();
      this.emit("power-cut");
    }
  }
}
