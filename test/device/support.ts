/**
 * Helpers for the device suite: the exact firmware bundle on the GENUINE Espruino interpreter
 * (hardware/genuine), installed by the project's own installer over a socat pty, driven by the
 * CLI and by the protocol client, read off the emulated display's RAM, checked with otplib.
 *
 * The interpreters are required under CI (.ci/run puts ../shared beside the clone); elsewhere
 * the suite is skipped, visibly, when they are missing.
 */
import { copyFileSync, mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GenuineToken, socatBinary, type GenuineTokenOptions, type Memory } from "../../hardware/genuine/genuine-token.js";
import { genuineEspruino } from "../../hardware/genuine/interpreters.js";
import { SerialTransport } from "../../host/transport/serial-transport.js";
import { TokenClient } from "../../host/device/client.js";
import { readCode } from "../sim/display-reader.js";
import { runCli, type CliResult } from "../cli/support.js";

const ci = process.env.CI === "true" || process.env.CI === "1";

/** The interpreter the suite runs on: ESPRUINO_HEAP=2500 selects the Bluetooth-on budget. */
export const HEAP = process.env.ESPRUINO_HEAP === "2500" ? 2500 : 4000;
export const binary = genuineEspruino(HEAP);
export const missing = binary === null ? `the genuine Espruino (espruino-esp32-${HEAP}) is not in ../shared/tools/espruino` : socatBinary() === null ? "socat is not installed" : "";
if (missing && ci) throw new Error(`${missing}: the device suite is required when CI=true`);

/** A quarter of the heap held away from the firmware: it must run in the other 75 % (RESERVE=N to probe the margin). */
export const RESERVE = process.env.RESERVE ? Number(process.env.RESERVE) : HEAP === 4000 ? 1000 : 0;

export const home = mkdtempSync(path.join(os.tmpdir(), "tokensmith-device-"));

let installed: string | null = null;

/** Runs the CLI against a token (the CLI is what an administrator runs). */
export function cli(args: string[], token: GenuineToken, timeoutMs = 120_000): Promise<CliResult> {
  // The genuine interpreter is one busy process: on a loaded machine an answer may take
  // seconds, which a board never needs. Waiting longer costs nothing when answers come.
  return runCli([...args, "--port", token.port], { home, timeoutMs, env: { TOKENSMITH_ANSWER_TIMEOUT_MS: "30000" } });
}

/**
 * A token with the firmware installed by `tokensmith install` (done once for the file; each
 * token starts from a copy of that Storage).
 */
export async function installedToken(options: Partial<GenuineTokenOptions> = {}): Promise<GenuineToken> {
  if (!installed) {
    const bare = new GenuineToken({ binary: binary!, reserve: RESERVE });
    await bare.powerOn();
    const result = await cli(["install"], bare);
    if (result.code !== 0) throw new Error(`install failed: ${result.stdout}${result.stderr}`);
    await bare.powerOff();
    installed = path.join(home, "installed.flash");
    copyFileSync(bare.flashFile, installed);
    await bare.dispose();
  }
  const token = new GenuineToken({ binary: binary!, reserve: RESERVE, flashFrom: installed, ...options });
  await token.powerOn();
  // The firmware is up once it draws (a token without a display answers HELLO instead).
  if (options.fault !== "display" && options.fault !== "bus") await token.firstScreen();
  return token;
}

export async function connect(token: GenuineToken): Promise<{ client: TokenClient; close: () => Promise<void> }> {
  const transport = await SerialTransport.open(token.port);
  // Generous, as the CLI here (cli()): the interpreter shares two cores with the rest of the suite.
  const client = new TokenClient(transport, { timeoutMs: 30_000, retries: 1 });
  return {
    client,
    close: async () => {
      client.close();
      await transport.close();
    },
  };
}

/** The code on the token's display now (null: none), and the token's time when it was drawn. */
export function displayedCode(token: GenuineToken): { code: string | null; time: number } {
  return { code: readCode(token.glass as never), time: token.lastFrame.systemSeconds };
}

/**
 * The codes a token may rightly show for a press begun at host second `pressedAt` and drawn by
 * the token at its second `drawnAt`: the firmware reads its clock once, somewhere in between,
 * and a draw that straddles a window boundary shows the earlier window's code. The token's clock
 * is set in whole seconds, so it may be up to one second behind the host's. A code from before
 * the press (a stale code) is not among them.
 */
export function codesBetween(pressedAt: number, drawnAt: number, code: (time: number) => string): string[] {
  const codes = new Set<string>();
  for (let time = pressedAt - 1; time <= drawnAt; time += 1) codes.add(code(time));
  return [...codes];
}

/** Seconds until the next multiple of `period` on the host's clock. */
export function secondsToBoundary(period: number): number {
  return period - (Math.floor(Date.now() / 1000) % period);
}

/** Waits until at least `margin` seconds remain in the current window (keeps reads in one window). */
export async function awayFromBoundary(period: number, margin = 3): Promise<void> {
  while (secondsToBoundary(period) < margin) await new Promise((resolve) => setTimeout(resolve, 250));
}

export interface MemoryRow {
  scenario: string;
  rest: number;
  peak: number;
  total: number;
  harness: number;
}

export const memoryTable: MemoryRow[] = [];

/**
 * Records a scenario's memory: at rest (after a GC, nothing running) and the peak sampled at
 * every I2C, UART and clock call since the scenario began; fails on any memory error flag.
 * `harness` is what the harness and ballast hold, to subtract for the firmware's own figure.
 */
export async function recordMemory(token: GenuineToken, scenario: string): Promise<Memory> {
  const memory = await token.memory();
  if (memory.errors.length > 0) throw new Error(`${scenario}: Espruino error flags ${memory.errors.join(",")}`);
  memoryTable.push({ scenario, rest: memory.usage, peak: memory.peak, total: memory.total, harness: token.bootUsage });
  return memory;
}

/** Writes the table (dist/device-memory-HEAP.json) for `npm run bench` and the notes. */
export function writeMemoryTable(): void {
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `device-memory-${HEAP}.json`), JSON.stringify(memoryTable, null, 1));
}
