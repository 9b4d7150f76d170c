/** Helpers for the ledger tests: temporary ledgers, a cheap scrypt cost, a child-process runner. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { openLedger, type Ledger, type LedgerOptions, type TokenProfile } from "../../host/ledger/ledger.js";
import type { ScryptCost } from "../../host/ledger/escrow.js";

/** 2^10: about 1 ms instead of 130; the real cost is the default everywhere else. */
export const TEST_COST: ScryptCost = { logN: 10, r: 8, p: 1 };

export const TOTP: TokenProfile = { label: "alice", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 };

const dirs: string[] = [];
const open: Ledger[] = [];

afterEach(() => {
  for (const ledger of open.splice(0)) ledger.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-ledger-"));
  dirs.push(dir);
  return dir;
}

/** A ledger in a fresh directory (closed after the test). */
export function tempLedger(options: LedgerOptions = {}, file = path.join(tempDir(), "ledger.sqlite")): Ledger {
  const ledger = openLedger(file, { scryptCost: TEST_COST, ...options });
  open.push(ledger);
  return ledger;
}

export function track(ledger: Ledger): Ledger {
  open.push(ledger);
  return ledger;
}

const worker = fileURLToPath(new URL("./worker.ts", import.meta.url));

export interface WorkerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs test/ledger/worker.ts in its own Node process (tsx), as a second CLI run would. */
export function runWorker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
