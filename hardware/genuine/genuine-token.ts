/**
 * A token made of the GENUINE Espruino interpreter (../shared/tools/espruino, configured like an
 * ESP32: a fixed heap, flash-string Storage, fake GPIO, Espruino's fixed-seed E.hwRand) and the
 * board around it (harness.js: DS3231 and SSD1306 at register level inside the interpreter).
 *
 * The host side of that board, as a bench would have it:
 * - Serial1 is one end of a socat pty pair; `port` is the other end, for the CLI or a client.
 * - The button is fake GPIO 27 (written "0" while pressed: wired to ground, pulled up).
 * - Power: the interpreter is a process; powerOff() kills it (RAM gone), powerOn() starts it
 *   again on the same Storage file (espruino.flash) and the same coin cell (rtc.json).
 *   E.reboot() exits the process through the harness and the token is started again.
 * - The display's RAM arrives on the interpreter's stdout (@D lines) and is mirrored here.
 *
 * Boot is a board's: the harness, then ".bootcde" from Storage if there is one; without one the
 * REPL stays on Serial1 (a bare ESP32 with Espruino), which is what `tokensmith install` needs.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const HARNESS = path.join(here, "harness.js");
const BUTTON_GPIO = 27;
/** How long a press may wait for the firmware's watch to report it (a very loaded machine). */
const WATCH_TIMEOUT_MS = 30_000;
const DOORBELL_GPIO = 26;
/** 2000-01-01T00:00:00Z: a DS3231 after a power-on reset. */
const RTC_RESET_TIME = 946684800;

export function socatBinary(): string | null {
  const found = spawnSync("sh", ["-c", "command -v socat"], { encoding: "utf8" });
  return found.status === 0 && found.stdout.trim() !== "" ? found.stdout.trim() : null;
}

export interface CoinCell {
  /** DS3231 seconds at real time `r`. */
  t: number;
  r: number;
  /** Oscillator-stop flag. */
  osf: number;
  stopped: number;
  control: number;
  aging: number;
}

export interface GenuineTokenOptions {
  /** The interpreter (espruino-esp32-4000 or -2500). */
  binary: string;
  /** The DS3231's time now; default the host's clock. */
  rtcUnixSeconds?: number;
  /** A brand-new DS3231: oscillator-stop flag set, time 2000-01-01. */
  newRtc?: boolean;
  /**
   * JsVars the harness and a ballast hold together for the whole run (a headroom proof: with
   * 1,000 of 4,000 reserved, a firmware that needs more than 75 % of the heap runs out).
   */
  reserve?: number;
  /** A part that does not answer on I2C. */
  fault?: "" | "rtc" | "display" | "bus";
  /** Start from a copy of this Storage file (a token already installed). */
  flashFrom?: string;
}

export interface Memory {
  usage: number;
  /** Highest usage sampled since the last resetPeak (at every I2C, UART and clock call). */
  peak: number;
  total: number;
  /** E.getErrorFlags(), e.g. ["MEMORY"]. */
  errors: string[];
}

export interface Frame {
  /** The token's system time when the frame was drawn. */
  systemSeconds: number;
  on: boolean;
  /** Real time (ms, the host's clock) of the frame's last write to the display. */
  drawnAtMs: number;
  /** Display RAM bytes the task wrote (the driver sends only what changed: a tick, a few). */
  bytes: number;
}

/** A task that wrote at least this many bytes redrew the screen (a countdown tick writes a few). */
const REDRAW_BYTES = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class GenuineToken {
  readonly dir: string;
  /** The host's end of the token's UART (a pty). */
  readonly port: string;
  /** The SSD1306's RAM as the @D lines arrive (a frame may be half written). */
  readonly ram = new Uint8Array(1024);
  /** The RAM at the end of the last task that drew (@E): what the glass showed between frames. */
  private readonly shown = new Uint8Array(1024);
  displayOn = false;
  /** Frames completed so far (an @E line), and the last one. */
  frames = 0;
  lastFrame: Frame = { systemSeconds: 0, on: false, drawnAtMs: 0, bytes: 0 };
  /** Bytes of the @D lines since the last @E. */
  private taskBytes = 0;
  boots = 0;
  /** Heap in use when the harness was ready, before the boot code ran (interpreter + harness + ballast). */
  bootUsage = 0;
  /** The frame count when the harness last booted: the first screen of a boot is frame framesAtBoot + 1. */
  framesAtBoot = 0;
  readonly uncaught: string[] = [];
  /**
   * Presses the firmware's watch has received (@W lines) since this object was made, the last
   * edge, and what the handler of the last release did (@H): whether it drew, and the frame count then.
   */
  readonly watchEdges = { down: 0, last: "up" as "down" | "up", releasesHandled: 0, releaseDrew: false, framesAtRelease: 0 };
  /** Everything the interpreter printed that is not a harness line (banners, prompts, errors). */
  console = "";
  private child: ChildProcessWithoutNullStreams | null = null;
  private socat: ReturnType<typeof spawn> | null = null;
  private memoryWaiters: Array<(m: Memory) => void> = [];
  private rebooting = false;
  private partial = "";

  constructor(readonly options: GenuineTokenOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-genuine-"));
    this.port = path.join(this.dir, "tty-host");
    mkdirSync(path.join(this.dir, `fakegpio/gpio${BUTTON_GPIO}`), { recursive: true });
    mkdirSync(path.join(this.dir, `fakegpio/gpio${DOORBELL_GPIO}`), { recursive: true });
    for (const file of ["export", "unexport"]) writeFileSync(path.join(this.dir, "fakegpio", file), "");
    for (const pin of [BUTTON_GPIO, DOORBELL_GPIO]) {
      writeFileSync(path.join(this.dir, `fakegpio/gpio${pin}/direction`), "in");
      writeFileSync(path.join(this.dir, `fakegpio/gpio${pin}/value`), "1");
    }
    writeFileSync(path.join(this.dir, "ctl"), "");
    const now = Date.now() / 1000;
    this.setCoinCell(
      options.newRtc
        ? { t: RTC_RESET_TIME, r: now, osf: 1, stopped: 0, control: 0x1c, aging: 0 }
        : { t: options.rtcUnixSeconds ?? Math.floor(now), r: now, osf: 0, stopped: 0, control: 0x1c, aging: 0 },
    );
    if (options.flashFrom) copyFileSync(options.flashFrom, path.join(this.dir, "espruino.flash"));
  }

  /** The Storage file (copy it to start other tokens from this state). */
  get flashFile(): string {
    return path.join(this.dir, "espruino.flash");
  }

  get running(): boolean {
    return this.child !== null;
  }

  setCoinCell(cell: CoinCell): void {
    writeFileSync(path.join(this.dir, "rtc.json"), JSON.stringify(cell));
  }

  /** Starts the pty pair (once) and the interpreter; resolves when the harness is up. */
  async powerOn(): Promise<void> {
    if (this.child) return;
    if (!this.socat) await this.startPty();
    const device = path.join(this.dir, "tty-device");
    const cfg = { pty: device, reserve: this.options.reserve ?? 0, fault: this.options.fault ?? "" };
    copyFileSync(HARNESS, path.join(this.dir, "harness.js"));
    // In the heap: only these few lines. The harness and the firmware run from Storage.
    writeFileSync(
      path.join(this.dir, "boot.js"),
      `(function(s){var h=require("fs").readFileSync("harness.js");if(s.read("hw.js")!==h)s.write("hw.js",h);})(require("Storage"));\n` +
        `eval(require("Storage").read("hw.js"))(${JSON.stringify(cfg)});\n` +
        `if(require("Storage").read(".bootcde")!==undefined){try{eval(require("Storage").read(".bootcde"));}catch(e){USB.write("@BOOTERR "+e+"\\n");}}\n`,
    );
    const booted = this.boots;
    const child = spawn(this.options.binary, ["boot.js"], { cwd: this.dir, stdio: "pipe" });
    this.child = child;
    child.stdout.setEncoding("latin1");
    child.stdout.on("data", (chunk: string) => this.onOutput(chunk));
    child.stderr.on("data", (chunk: Buffer) => (this.console += chunk.toString("latin1")));
    child.on("close", () => {
      if (process.env.GENUINE_DEBUG) process.stderr.write(`[genuine ${Date.now() % 100000}] exit ${child.exitCode} rebooting=${this.rebooting}\n`);
      if (this.child !== child) return;
      this.child = null;
      if (this.rebooting) {
        this.rebooting = false;
        void this.powerOn();
      }
    });
    // stdin stays open: EOF would flood the console with junk (tools README).
    const deadline = Date.now() + 20_000;
    while (this.boots === booted) {
      if (!this.child) throw new Error(`the interpreter exited during boot: ${this.console.slice(-400)}`);
      if (Date.now() > deadline) throw new Error(`the harness did not start: ${this.console.slice(-400)}`);
      await sleep(10);
    }
  }

  /** Power gone: RAM and the display are lost; Storage and the coin cell remain. */
  async powerOff(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    this.rebooting = false;
    const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
    child.kill("SIGKILL");
    await closed;
    this.displayOn = false;
  }

  /** The coin cell taken out while the power is off: the DS3231 resets (2000-01-01, OSF set). */
  removeBattery(): void {
    if (this.child) throw new Error("take the battery out with the power off");
    this.setCoinCell({ t: RTC_RESET_TIME, r: Date.now() / 1000, osf: 1, stopped: 0, control: 0x1c, aging: 0 });
  }

  async powerCycle(): Promise<void> {
    await this.powerOff();
    await this.powerOn();
  }

  /** Holds the button down (true) or lets it go. */
  setButton(down: boolean): void {
    writeFileSync(path.join(this.dir, `fakegpio/gpio${BUTTON_GPIO}/value`), down ? "0" : "1");
  }

  /**
   * A press of `ms` milliseconds as the firmware feels it: the button is held until the
   * firmware's watch has the press (an interpreter the machine leaves waiting polls the pin late,
   * and would miss a short press altogether), `ms` after it went down, then released, and the
   * release waited for too. Resolves once the frame the release drew has arrived (the firmware
   * draws in its release handler); when that handler drew nothing, once a frame drawn after the
   * press began has arrived, or after `settleMs` when none comes.
   */
  async press(ms = 120, settleMs = 5000): Promise<Frame> {
    const pressedAt = Date.now();
    const before = { ...this.watchEdges };
    this.setButton(true);
    await this.until(() => this.watchEdges.down > before.down, "the firmware's button watch never saw the press");
    await sleep(Math.max(0, pressedAt + ms - Date.now()));
    this.setButton(false);
    await this.until(() => this.watchEdges.releasesHandled > before.releasesHandled, "the firmware's button watch never handled the release");
    if (this.watchEdges.releaseDrew) {
      const framesThen = this.watchEdges.framesAtRelease;
      await this.until(() => this.frames > framesThen, "the release drew on the display, but the frame never ended");
    } else {
      // Nothing to redraw (the same code, this second): the next frame drawn after the press
      // began (a countdown tick) shows what the press showed, or the glass stays as it was.
      const deadline = Date.now() + settleMs;
      while (this.lastFrame.drawnAtMs < pressedAt && Date.now() < deadline) await sleep(10);
    }
    await sleep(30); // a second task of the same press (rare) lands too
    return this.lastFrame;
  }

  /**
   * A long press as a person makes one: hold until the screen is redrawn (the next profile),
   * at least 1.2 s, then let go. Holding for a fixed time instead would turn into a short press
   * whenever the interpreter, busy on a loaded machine, fires its long-press timer late.
   */
  async longPress(timeoutMs = 20_000): Promise<Frame> {
    const pressedAt = Date.now();
    this.setButton(true);
    const redrawn = () => this.lastFrame.drawnAtMs >= pressedAt && this.lastFrame.bytes >= REDRAW_BYTES;
    while (!redrawn() && Date.now() < pressedAt + timeoutMs) await sleep(10);
    await sleep(Math.max(0, pressedAt + 1200 - Date.now()));
    this.setButton(false);
    await sleep(30);
    return this.lastFrame;
  }

  /** Waits (up to WATCH_TIMEOUT_MS) for what the firmware reports. */
  private async until(happened: () => boolean, failure: string): Promise<void> {
    const deadline = Date.now() + WATCH_TIMEOUT_MS;
    while (!happened()) {
      if (!this.child) throw new Error(`${failure}: the token is off`);
      if (Date.now() > deadline) throw new Error(`${failure} within ${WATCH_TIMEOUT_MS / 1000} s`);
      await sleep(5);
    }
  }

  /** Waits for the first screen the firmware draws after the last boot. */
  firstScreen(): Promise<Frame> {
    return this.nextFrame(this.framesAtBoot);
  }

  /** Waits for the next completed frame after `count` (e.g. a window rollover). */
  async nextFrame(count = this.frames, timeoutMs = 40_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames <= count) {
      if (Date.now() > deadline) throw new Error("no new frame on the display");
      await sleep(10);
    }
    return this.lastFrame;
  }

  /**
   * The display as the glass shows it (x right, y down) at the end of the last frame: what the
   * test's display reader reads. A frame whose @D lines are still arriving is not mixed in (a
   * code read half way through a redraw would be half the old code and half the new one).
   */
  readonly glass = {
    isOn: () => this.displayOn,
    pixel: (x: number, y: number) => ((this.shown[(y >> 3) * 128 + x] >> (y & 7)) & 1) === 1,
  };

  /** Asks the harness through the doorbell (fake GPIO 26) for the heap figures. */
  async memory(restartPeak = false): Promise<Memory> {
    if (!this.child) throw new Error("the token is off");
    writeFileSync(path.join(this.dir, "ctl"), restartPeak ? "peak" : "mem");
    const answer = new Promise<Memory>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the harness did not answer the doorbell")), 10_000);
      this.memoryWaiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    const value = path.join(this.dir, `fakegpio/gpio${DOORBELL_GPIO}/value`);
    writeFileSync(value, readFileSync(value, "utf8").trim() === "1" ? "0" : "1");
    return answer;
  }

  async stop(): Promise<void> {
    await this.powerOff();
    const socat = this.socat;
    this.socat = null;
    if (socat) {
      const closed = new Promise<void>((resolve) => socat.on("close", () => resolve()));
      socat.kill("SIGTERM");
      await closed;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startPty(): Promise<void> {
    const socat = socatBinary();
    if (!socat) throw new Error("socat is needed for the token's UART (apt-get install socat)");
    const device = path.join(this.dir, "tty-device");
    const child = spawn(socat, ["-d", "-d", `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${this.port}`], { stdio: ["ignore", "ignore", "pipe"] });
    this.socat = child;
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!(log.includes("starting data transfer loop") && existsSync(device) && existsSync(this.port))) {
      if (Date.now() > deadline) throw new Error(`socat did not start: ${log}`);
      await sleep(10);
    }
  }

  private onOutput(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop()!;
    for (const raw of lines) {
      const line = raw.replace(/\r$/, "");
      if (process.env.GENUINE_DEBUG) process.stderr.write(`[genuine ${Date.now() % 100000}] ${line.slice(0, 120)}\n`);
      const at = line.indexOf("@");
      const harness = at >= 0 ? line.slice(at) : "";
      if (harness.startsWith("@D")) {
        const [index, bytes] = harness.slice(2).split(":");
        const start = parseInt(index, 16);
        for (let i = 0; i + 1 < bytes.length; i += 2) this.ram[(start + (i >> 1)) & 1023] = parseInt(bytes.slice(i, i + 2), 16);
        this.taskBytes += bytes.length >> 1;
      } else if (harness.startsWith("@E ")) {
        const [, seconds, on, drawnAt] = harness.split(" ");
        this.displayOn = on === "1";
        this.shown.set(this.ram);
        this.lastFrame = { systemSeconds: Number(seconds), on: this.displayOn, drawnAtMs: Number(drawnAt), bytes: this.taskBytes };
        this.taskBytes = 0;
        this.frames++;
      } else if (harness.startsWith("@W ")) {
        this.watchEdges.last = harness === "@W 0" ? "down" : "up";
        if (this.watchEdges.last === "down") this.watchEdges.down++;
      } else if (harness.startsWith("@H ")) {
        if (this.watchEdges.last === "up") {
          this.watchEdges.releasesHandled++;
          this.watchEdges.releaseDrew = Number(harness.slice(3)) > 0;
          this.watchEdges.framesAtRelease = this.frames;
        }
      } else if (harness.startsWith("@M ")) {
        const [, usage, peak, total, flags] = harness.split(" ");
        const memory = { usage: Number(usage), peak: Number(peak), total: Number(total), errors: flags ? flags.split(",").filter(Boolean) : [] };
        for (const waiter of this.memoryWaiters.splice(0)) waiter(memory);
      } else if (harness.startsWith("@BOOT ")) {
        this.bootUsage = Number(harness.split(" ")[1]);
        this.framesAtBoot = this.frames;
        this.displayOn = false;
        this.boots++;
      } else if (harness.startsWith("@REBOOT")) {
        this.rebooting = true;
      } else if (harness.startsWith("@UNCAUGHT ") || harness.startsWith("@BOOTERR ")) {
        this.uncaught.push(harness);
      } else {
        this.console += line + "\n";
      }
    }
  }
}
