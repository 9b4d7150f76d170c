/**
 * Helpers for the CLI suites: the built CLI as a child process (what an administrator runs),
 * simulated tokens read by their display pixels, otplib as the oracle, independent readers of
 * the ledger (better-sqlite3 directly) and of the import file (csv-parse), and socat ptys.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { parse as parseCsv } from "csv-parse/sync";
import { createGuardrails, generateSync } from "otplib";
import type { SimulatedToken } from "../../hardware/sim/token.js";
import { SimTransport } from "../../host/transport/sim-transport.js";
import { TokenClient, type Hello } from "../../host/device/client.js";
import { readCode } from "../sim/display-reader.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const bin = path.join(repoRoot, "bin/tokensmith.js");
/** Loaded with --import to move the CLI's clock (Date.now) by TOKENSMITH_TEST_CLOCK_OFFSET_MS. */
export const fakeClock = path.join(repoRoot, "test/cli/fake-clock.mjs");

// ------------------------------------------------------------------ the CLI as a child process

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  env?: Record<string, string | undefined>;
  /** Shift the CLI's host clock by this many milliseconds. */
  clockOffsetMs?: number;
  /** Modules to load first (node --import), e.g. test/services/https-redirect.mjs. */
  preload?: string[];
  /** Kill it (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  uid?: number;
  gid?: number;
  cwd?: string;
}

export function spawnCli(args: string[], options: CliOptions): ChildProcessWithoutNullStreams {
  const node = [...(options.clockOffsetMs !== undefined ? [fakeClock] : []), ...(options.preload ?? [])].flatMap((module) => ["--import", module]);
  return spawn(process.execPath, [...node, bin, ...args], {
    stdio: "pipe",
    cwd: options.cwd ?? options.home,
    uid: options.uid,
    gid: options.gid,
    env: {
      ...process.env,
      NO_COLOR: "1",
      TOKENSMITH_HOME: options.home,
      TOKENSMITH_LEDGER: undefined,
      TOKENSMITH_ESCROW_PASSPHRASE: undefined,
      TOKENSMITH_TEST_CLOCK_OFFSET_MS: String(options.clockOffsetMs ?? 0),
      ...options.env,
    },
  });
}

/** Collects a child's output and its exit. */
export function finished(child: ChildProcessWithoutNullStreams, timeoutMs = 60_000): Promise<CliResult> & { output: () => string } {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end();
  const done = new Promise<CliResult>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(done, { output: () => stdout + stderr });
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return finished(spawnCli(args, options), options.timeoutMs);
}

/** A fresh data directory for the CLI (ledger, sim flash); removed by cleanupHomes. */
const homes: string[] = [];
export function newHome(tag = "cli"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tokensmith-${tag}-`));
  homes.push(dir);
  return dir;
}
export function cleanupHomes(): void {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ oracle and tokens

const guardrails = createGuardrails({ MIN_SECRET_BYTES: 8, MAX_SECRET_BYTES: 1024 });

export interface CodeParameters {
  digits?: number;
  period?: number;
  algorithm?: "SHA1" | "SHA256";
}

/** What otplib says a TOTP code is. */
export function oracle(secret: Uint8Array, time: number, p: CodeParameters = {}): string {
  return generateSync({
    secret,
    epoch: time,
    period: p.period ?? 30,
    digits: (p.digits ?? 6) as 6 | 7 | 8,
    algorithm: (p.algorithm ?? "SHA1") === "SHA1" ? "sha1" : "sha256",
    guardrails,
  });
}

/**
 * Presses the token's button and reads the code off its display's pixels, with the time its
 * clock (the DS3231's counters) shows. Keeps away from a window's last second so that the
 * code read and the time read belong to the same window.
 */
export function shownCode(token: SimulatedToken, period = 30): { code: string | null; time: number } {
  const before = token.rtc.trueUnixSeconds();
  if (period - (before % period) < 2) token.advance(2);
  token.press();
  token.advanceMs(300);
  return { code: readCode(token.display), time: token.rtc.trueUnixSeconds() };
}

/** HELLO asked directly on the token's UART (only while no host is connected to it). */
export async function helloOf(token: SimulatedToken): Promise<Hello> {
  if (token.state === "sleeping") {
    token.press();
    token.advanceMs(300);
  }
  const transport = new SimTransport(token);
  const client = new TokenClient(transport, { timeoutMs: 500, retries: 0 });
  try {
    return await client.hello();
  } finally {
    client.close();
    await transport.close();
  }
}

// ------------------------------------------------------------------ files and the ledger

export interface DuoLine {
  serial: string;
  secret: Uint8Array;
  third: string | undefined;
}

/** A Duo import file ("serial,hex[,60]" lines), read by csv-parse. */
export function readDuoFile(file: string): DuoLine[] {
  if (!existsSync(file)) return [];
  const rows = parseCsv(readFileSync(file, "utf8"), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  return rows.map((row) => {
    if (!/^[0-9a-f]+$/i.test(row[1] ?? "") || row[1].length % 2 !== 0) throw new Error(`not a Duo line: ${row.join(",")}`);
    return { serial: row[0], secret: Uint8Array.from(Buffer.from(row[1], "hex")), third: row[2] };
  });
}

/**
 * Every table's rows in the ledger (read-only, independent of host/ledger), as one string:
 * equal before and after means nothing was written. null when there is no ledger file.
 */
export function ledgerContents(file: string): string | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    const dump: Record<string, unknown[]> = {};
    for (const table of tables) {
      if (table === "schema_migrations") continue;
      dump[table] = (db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all() as Array<Record<string, unknown>>).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("hex") : v])),
      );
    }
    return JSON.stringify(dump);
  } finally {
    db.close();
  }
}

/** Holds the ledger's write lock (BEGIN IMMEDIATE) from another connection until released. */
export function holdLedgerWriteLock(file: string): () => void {
  const db = new Database(file, { timeout: 10_000 });
  db.prepare("BEGIN IMMEDIATE").run();
  return () => {
    db.prepare("ROLLBACK").run();
    db.close();
  };
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ------------------------------------------------------------------ socat: a real pty

export function socatPath(): string | null {
  const found = spawnSync("sh", ["-c", "command -v socat"], { encoding: "utf8" });
  return found.status === 0 && found.stdout.trim() !== "" ? found.stdout.trim() : null;
}

export interface Pty {
  path: string;
  stop(): Promise<void>;
}

/** `socat pty,raw,echo=0,link=DIR/ttyTOKEN tcp:127.0.0.1:PORT`: a serial device in front of a TCP UART. */
export async function startPty(socat: string, tcpPort: number, dir: string): Promise<Pty> {
  const link = path.join(dir, "ttyTOKEN");
  const child = spawn(socat, ["-d", "-d", `pty,raw,echo=0,link=${link}`, `tcp:127.0.0.1:${tcpPort}`], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    await waitFor(() => log.includes("starting data transfer loop") && existsSync(link), `socat to start (${log.trim()})`, 10_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    path: link,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
