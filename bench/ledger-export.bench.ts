/**
 * `tokensmith export duo` over a ledger of 100,000 escrowed tokens: the whole path (open the
 * ledger, unlock the escrow, stream rows, decrypt each seed, format, write the 0600 file), timed
 * in a child process (bench/ledger-export-child.mjs, running the built program from dist/ as the
 * CLI does) so its peak memory is its own. Populating the ledger is timed too: it is
 * the ledger's write throughput (two fsynced transactions a token).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openLedger } from "../host/ledger/ledger.js";
import { fmt, row } from "./measure.js";

const PASSPHRASE = "benchmark passphrase";

export async function runLedgerExportBenchmark(count = 100_000): Promise<void> {
  console.log(`\nExport of ${fmt(count)} ledger entries to Duo (tokensmith export duo's path)`);
  const folder = mkdtempSync(path.join(os.tmpdir(), "tokensmith-ledger-bench-"));
  const ledgerFile = path.join(folder, "ledger.sqlite");
  const ledger = openLedger(ledgerFile);
  ledger.unlockEscrow(PASSPHRASE);
  const start = performance.now();
  const serials = ledger.reserveSerials("B-", count, 7);
  const key = Buffer.alloc(32, 1);
  for (let i = 0; i < serials.length; i++) {
    const seed = Buffer.alloc(20);
    seed.writeUInt32BE(i, 0);
    ledger.recordPending(serials[i], null, { label: "bench", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 }, { managementKey: key, tokenId: serials[i] });
    ledger.recordProvisioned(serials[i], { tokenId: serials[i], firmware: "0.1.0", managementKey: key, escrowedSeed: seed });
  }
  ledger.close();
  row("populating the ledger (not part of the export)", `${((performance.now() - start) / 1000).toFixed(1)} s, ${fmt(statSync(ledgerFile).size / 1048576, 1)} MiB`);
  const out = path.join(folder, "duo.txt");
  const result = JSON.parse(
    execFileSync(process.execPath, [fileURLToPath(new URL("./ledger-export-child.mjs", import.meta.url)), ledgerFile, out, PASSPHRASE], { encoding: "utf8", maxBuffer: 1 << 20 }),
  );
  row("export wall time (open, unlock, decrypt, format, write)", `${result.seconds.toFixed(2)} s (${fmt(result.tokens / result.seconds)} tokens/s)`);
  row("  of which the one-time escrow unlock (scrypt)", `${result.unlockSeconds.toFixed(2)} s`);
  row("  beyond the unlock", `${(result.seconds - result.unlockSeconds).toFixed(2)} s`);
  row("peak memory of the exporting process (max RSS)", `${fmt(result.maxRssKiB / 1024, 1)} MiB`);
  row("file written", `${fmt(statSync(out).size / 1048576, 1)} MiB`);
  rmSync(folder, { recursive: true, force: true });
}
