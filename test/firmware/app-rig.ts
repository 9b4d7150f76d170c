/**
 * The token program (firmware/app/token.ts and commands.ts) run in this process, as the
 * firmware's entry runs it (startToken, then attachProtocol), on a Hal made of the simulator's
 * parts: the emulated DS3231 and SSD1306 on an I2C bus, virtual time, and the fake Hal's flash
 * (power cuts, a full flash). No bundle and no interpreter: a test here costs milliseconds, so
 * the mutation run can judge every mutant of the app with these suites.
 *
 * Everything the rig tells a test comes from outside the program: answers off the UART,
 * pixels off the display's RAM, time off the DS3231, records off flash.
 */
import { createHash } from "node:crypto";
import type { Hal } from "../../firmware/platform/hal.js";
import { startToken, type Token } from "../../firmware/app/token.js";
import { attachProtocol, type Session } from "../../firmware/app/commands.js";
import { LONG_PRESS_MS } from "../../firmware/app/settings.js";
import { VirtualClock } from "../../hardware/sim/virtual-clock.js";
import { I2cBus } from "../../hardware/sim/devices/i2c-bus.js";
import { Ds3231, DS3231_ADDRESS } from "../../hardware/sim/devices/ds3231.js";
import { Ssd1306, SSD1306_ADDRESS } from "../../hardware/sim/devices/ssd1306.js";
import { FRAME_BYTES } from "../../firmware/ui/canvas.js";
import { drawCodeScreen, drawHotpScreen, drawMessageScreen } from "../../firmware/ui/screens.js";
import { createFakeHal, type FakeHalHandles } from "./fake-hal.js";
import { authFor, parseAnswer, wireFrame, type Answer } from "../protocol/raw-wire.js";

/** 2026-11-22T12:00:07Z: after the firmware's epoch, 7 s into a 30 s window. */
export const APP_START = 1795348800 + 7;

export interface AppRigOptions {
  /** The DS3231's time at power-on (default APP_START). */
  rtcUnixSeconds?: number;
  /** The DS3231 starts with its oscillator-stop flag set (a clock nobody has set). */
  oscillatorStopped?: boolean;
  /** Which optional platform hooks exist (default: none, like the fake Hal). */
  deepSleep?: boolean;
  reboot?: boolean;
  repl?: boolean;
  /** Storage can compact (count the calls), as Espruino's Storage.compact. */
  compact?: boolean;
  /** A native SHA-1 (node:crypto), as Espruino's crypto.SHA1 would be. */
  nativeSha1?: boolean;
  /** Milliseconds into the second at power-on (the tick aligns to the next whole second). */
  startMsIntoSecond?: number;
  /** The button is held at power-on (a wake from deep sleep by a press). */
  buttonHeld?: boolean;
  /** Parts left off the bus (they do not answer). */
  withoutRtc?: boolean;
  withoutDisplay?: boolean;
  /** Reuse another rig's flash and DS3231: a reboot or wake of the same board. */
  board?: AppRig;
}

export interface AppRig {
  hal: Hal;
  flash: FakeHalHandles;
  clock: VirtualClock;
  bus: I2cBus;
  rtc: Ds3231;
  display: Ssd1306;
  token: Token;
  session: Session;
  /** Everything the token wrote to the UART. */
  uart: string[];
  /** How often each optional hook was called. */
  calls: { deepSleep: number; reboot: number; repl: number; nativeSha1: number; compact: number };
  /** Sends raw bytes; returns the lines the token wrote meanwhile (without "\n"). */
  sendRaw(text: string): string[];
  /** Sends one request frame built by hand and returns its one answer. */
  ask(verb: string, fields?: Array<[string, string]>, seq?: number): Answer;
  /** NONCE, then the request signed with `mkey`. */
  askAuthorised(mkey: Uint8Array, verb: string, fields: Array<[string, string]>): Answer;
  /** The system clock the token reads, whole seconds. */
  now(): number;
  /** Moves virtual time on, running the token's timers as they fall due. */
  advance(ms: number): void;
  buttonDown(): void;
  buttonUp(): void;
  /** A short press (120 ms) and 300 ms for the token to react. */
  press(): void;
  /** A press held past LONG_PRESS_MS. */
  longPress(): void;
  /**
   * The interpreter stalls: the system clock moves `ms` on (or back, when negative) while no
   * timer runs, so the next tick comes late (or early) against the time it reads.
   */
  stall(ms: number): void;
  /** Takes a part off the bus (it stops answering) or puts it back. */
  unplug(address: number): void;
  plug(address: number): void;
}

let rawSeq = 100;

export function bootApp(options: AppRigOptions = {}): AppRig {
  const start = options.rtcUnixSeconds ?? APP_START;
  const board = options.board;
  const clock = board?.clock ?? new VirtualClock(start * 1000 + (options.startMsIntoSecond ?? 0));
  const rtc = board?.rtc ?? new Ds3231(clock, { unixSeconds: start, oscillatorStopFlag: options.oscillatorStopped === true });
  const display = new Ssd1306({ powerOnRam: "noise", seed: 7 });
  const bus = new I2cBus();
  const parts = new Map<number, Ds3231 | Ssd1306>([
    [DS3231_ADDRESS, rtc],
    [SSD1306_ADDRESS, display],
  ]);
  if (options.withoutRtc !== true) bus.attach(rtc);
  if (options.withoutDisplay !== true) bus.attach(display);
  const flash = board?.flash ?? createFakeHal({ typedBytes: true });
  const uart: string[] = [];
  const calls = { deepSleep: 0, reboot: 0, repl: 0, nativeSha1: 0, compact: 0 };
  // The ESP32's own clock: it starts near 1970 at every boot; the token sets it from the DS3231
  // (and TIME_SET does). A token that forgot to would read 1970.
  let systemOffsetMs = clock.nowMs() - (options.startMsIntoSecond ?? 0);
  const systemMs = () => clock.nowMs() - systemOffsetMs;
  let uartHandler: ((chunk: string) => void) | null = null;
  let buttonHandler: ((pressed: boolean) => void) | null = null;
  let held = options.buttonHeld === true;

  const hal: Hal = {
    ...flash.hal,
    i2cWrite(address, data) {
      bus.writeTo(address, Uint8Array.from(data));
    },
    i2cReadRegisters(address, register, count) {
      bus.writeTo(address, Uint8Array.of(register));
      return [...bus.readFrom(address, count)];
    },
    nowSeconds: () => Math.floor(systemMs() / 1000),
    setSystemTime(seconds) {
      systemOffsetMs = clock.nowMs() - seconds * 1000;
    },
    millisecondsIntoSecond: () => ((systemMs() % 1000) + 1000) % 1000,
    afterMs: (ms, fn) => clock.schedule(ms, fn),
    cancelTimer: (id) => clock.cancel(id),
    uartWrite(text) {
      uart.push(text);
    },
    onUartData(handler) {
      uartHandler = handler;
    },
    onButton(handler) {
      buttonHandler = handler;
    },
    buttonIsDown: () => held,
    storageCompact: options.compact === true ? () => void calls.compact++ : null,
    deepSleep: options.deepSleep === true ? () => void calls.deepSleep++ : null,
    reboot: options.reboot === true ? () => void calls.reboot++ : null,
    openRepl: options.repl === true ? () => void calls.repl++ : null,
    nativeSha1:
      options.nativeSha1 === true
        ? (message: string) => {
            calls.nativeSha1++;
            return createHash("sha1").update(Buffer.from(message, "latin1")).digest("latin1");
          }
        : null,
  };

  const token = startToken(hal);
  const session = attachProtocol(token);

  const rig: AppRig = {
    hal, flash, clock, bus, rtc, display, token, session, uart, calls,
    sendRaw(text) {
      const before = uart.length;
      if (uartHandler === null) throw new Error("the token never took the UART");
      uartHandler(text);
      const out = uart.slice(before).join("");
      if (out === "") return [];
      if (!out.endsWith("\n")) throw new Error(`the token wrote part of a line: ${JSON.stringify(out)}`);
      return out.slice(0, -1).split("\n");
    },
    ask(verb, fields = [], seq = ++rawSeq) {
      const lines = rig.sendRaw(wireFrame(seq, verb, fields));
      if (lines.length !== 1) throw new Error(`${verb}: ${lines.length} answers, expected one`);
      const answer = parseAnswer(lines[0]);
      if (answer.seq !== seq) throw new Error(`${verb}: answer for seq ${answer.seq}, sent ${seq}`);
      return answer;
    },
    askAuthorised(mkey, verb, fields) {
      const nonce = rig.ask("NONCE").get("nonce")!;
      return rig.ask(verb, [...fields, ["auth", authFor(mkey, nonce, verb, fields)]]);
    },
    now: () => hal.nowSeconds(),
    advance: (ms) => clock.advance(ms),
    buttonDown() {
      held = true;
      buttonHandler?.(true);
    },
    buttonUp() {
      held = false;
      buttonHandler?.(false);
    },
    press() {
      rig.buttonDown();
      clock.advance(120);
      rig.buttonUp();
      clock.advance(300);
    },
    longPress() {
      rig.buttonDown();
      clock.advance(LONG_PRESS_MS + 100);
      rig.buttonUp();
      clock.advance(300);
    },
    stall(ms) {
      systemOffsetMs -= ms;
    },
    unplug(address) {
      bus.detach(address);
    },
    plug(address) {
      if (bus.device(address) === undefined) bus.attach(parts.get(address)!);
    },
  };
  return rig;
}

// ---- what the glass should show, drawn by the UI module (not under test here) ---------------

const blank = (): number[] => new Array<number>(FRAME_BYTES).fill(0);

export function messageFrame(title: string, line1: string, line2: string): number[] {
  const frame = blank();
  drawMessageScreen(frame, title, line1, line2);
  return frame;
}

export function codeFrame(label: string, code: string, secondsLeft: number, period: number): number[] {
  const frame = blank();
  drawCodeScreen(frame, label, code, secondsLeft, period);
  return frame;
}

export function hotpFrame(label: string, code: string, counter: number): number[] {
  const frame = blank();
  drawHotpScreen(frame, label, code, counter);
  return frame;
}

/** Whether the panel is lit and its RAM holds exactly `frame`. */
export function shows(rig: AppRig, frame: number[]): boolean {
  if (!rig.display.isOn()) return false;
  const ram = rig.display.gddram();
  for (let i = 0; i < FRAME_BYTES; i++) if (ram[i] !== frame[i]) return false;
  return true;
}
