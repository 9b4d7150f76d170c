/**
 * "No plaintext seeds": provision tokens into an escrowed ledger, then read the raw bytes of
 * the database and its WAL and look for every seed (and management key) as raw bytes, hex
 * (either case) and Base32 (either case).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bytesToBase32 } from "../../shared/codec/base32.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { TEST_COST, TOTP, tempDir, track } from "./support.js";

function forms(secret: Uint8Array): Array<[string, Buffer]> {
  const hex = Buffer.from(secret).toString("hex");
  const b32 = bytesToBase32([...secret], false);
  return [
    ["raw", Buffer.from(secret)],
    ["hex", Buffer.from(hex)],
    ["HEX", Buffer.from(hex.toUpperCase())],
    ["base32", Buffer.from(b32)],
    ["base32 lower", Buffer.from(b32.toLowerCase())],
  ];
}

function scan(files: string[], secrets: Uint8Array[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const [i, secret] of secrets.entries()) {
      for (const [form, needle] of forms(secret)) if (bytes.includes(needle)) found.push(`${path.basename(file)}: secret ${i} as ${form}`);
    }
  }
  return found;
}

describe("no seed in plaintext in the ledger", () => {
  it("neither in the database nor in its WAL, before and after close", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const ledger = track(openLedger(file, { scryptCost: TEST_COST }));
    ledger.unlockEscrow("batch passphrase");
    const batch = ledger.beginBatch("TS-", 5);
    const seeds: Uint8Array[] = [];
    const keys: Uint8Array[] = [];
    for (const serial of ledger.reserveSerials("TS-", 5)) {
      const seed = new Uint8Array(randomBytes(20));
      const key = new Uint8Array(randomBytes(32));
      seeds.push(seed);
      keys.push(key);
      ledger.recordPending(serial, batch, TOTP, { managementKey: key });
      ledger.recordProvisioned(serial, { tokenId: "chip-" + serial, firmware: "1.0.0", managementKey: key, escrowedSeed: seed });
    }
    // The escrow does hold them: the test would be empty otherwise.
    expect(Buffer.from(ledger.escrowedSeed("TS-000003")!)).toEqual(Buffer.from(seeds[2]));
    const files = [file, file + "-wal", file + "-shm"];
    expect(existsSync(file + "-wal")).toBe(true);
    expect(scan(files, [...seeds, ...keys])).toEqual([]);
    // The scanner does find a secret that is there.
    expect(scan(files, [new Uint8Array(Buffer.from("chip-TS-000001"))]).length).toBeGreaterThan(0);
    ledger.close();
    expect(scan(files, [...seeds, ...keys])).toEqual([]);
  });
});
