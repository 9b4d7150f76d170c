/**
 * Known answers for the ledger file (host/ledger/schema.ts and the escrow blobs in it):
 * fixtures/ledger-v1.sql is a ledger of schema version 1 as `sqlite3 .dump` prints it, with
 * every kind of row (provisioned with and without an escrowed seed, wiped, pending outside a
 * batch, clock syncs, an export), its blobs sealed by hand with node:crypto from the layout in
 * escrow.ts. SQLite itself turns it into the file; today's code must then read every field.
 * A schema change that forgets its migration, or a changed AAD, fails here. Opening it migrates it
 * to today's version (2) with every field kept; fixtures/ledger-v2.sql is the same ledger at
 * version 2, with batches that remember their options and one abandoned batch.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openLedger, type Ledger } from "../../host/ledger/index.js";

const FIXTURE_V1 = new URL("./fixtures/ledger-v1.sql", import.meta.url);
const FIXTURE_V2 = new URL("./fixtures/ledger-v2.sql", import.meta.url);
const PASSPHRASE = "correct horse battery staple";

let dir: string;
let file: string;
let ledger: Ledger | undefined;

function load(fixture: URL): void {
  const db = new Database(file);
  db.exec(readFileSync(fixture, "utf8"));
  db.close();
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ts-ledger-ka-"));
  file = path.join(dir, "ledger.sqlite");
  load(FIXTURE_V1);
});

afterEach(() => {
  ledger?.close();
  ledger = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("a ledger file of schema version 1", () => {
  it("opens, migrated to the latest version, and lists every token as written", () => {
    ledger = openLedger(file);
    expect(ledger.schemaVersion()).toBe(3);
    const tokens = ledger.listTokens();
    expect(tokens.map((t) => [t.serial, t.state, t.batchId, t.label, t.kind, t.algorithm, t.digits, t.period, t.counter, t.tokenId])).toEqual([
      ["TS-000001", "provisioned", 1, "Shared mailbox", "totp", "SHA1", 6, 30, 0, "chip-0a1b2c3d4e5f"],
      ["TS-000002", "provisioned", 1, "Door", "hotp", "SHA256", 8, 30, 5, "chip-1122334455ff"],
      ["TS-000003", "wiped", 1, "Spare", "totp", "SHA256", 6, 60, 0, "chip-99887766aabb"],
      ["LAB-7", "pending", null, "Bench", "totp", "SHA1", 6, 30, 0, null],
    ]);
    const first = ledger.getToken("TS-000001")!;
    expect([first.firmware, first.pendingAt, first.provisionedAt, first.wipedAt]).toEqual(["2v99", 1764633601, 1764633605, null]);
    expect([first.hasManagementKey, first.managementKeySealed, first.hasEscrowedSeed]).toEqual([true, true, true]);
    expect(ledger.getToken("TS-000003")!.wipedAt).toBe(1764720000);
    expect(ledger.getToken("TS-000002")!.hasEscrowedSeed).toBe(false);
  });

  it("its escrow opens with the passphrase: the seed and the sealed management keys come back", () => {
    ledger = openLedger(file);
    expect(ledger.escrowConfigured()).toBe(true);
    expect(() => ledger!.unlockEscrow("correct horse battery stapler")).toThrow(/wrong passphrase/);
    ledger.unlockEscrow(PASSPHRASE);
    expect(Buffer.from(ledger.escrowedSeed("TS-000001")!).toString("latin1")).toBe("12345678901234567890");
    expect(Buffer.from(ledger.managementKey("TS-000001")!).toString("hex")).toBe("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    expect(Buffer.from(ledger.managementKey("TS-000002")!).toString("hex")).toBe("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
    expect(ledger.escrowedSeed("TS-000002")).toBeNull();
    // The pending token's key was kept raw (before PROVISION, with no escrow to seal it yet).
    expect(Buffer.from(ledger.managementKey("LAB-7")!).toString("hex")).toBe("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
    expect(ledger.managementKey("TS-000003")).toBeNull();
  });

  it("clock syncs, drift, the batch, the serial counter and the export log read back", () => {
    ledger = openLedger(file);
    expect(ledger.clockSyncs("TS-000001")).toEqual([
      { serial: "TS-000001", at: 1764633605, offsetSeconds: null, secondsSinceLastSync: null, authorised: true },
      { serial: "TS-000001", at: 1765497605, offsetSeconds: 2.5, secondsSinceLastSync: 864000, authorised: true },
    ]);
    // 2.5 s over 10 days: 2.5 / 864000 * 1e6 ppm, fast.
    expect(ledger.driftPpm("TS-000001")).toBeCloseTo(2.8935, 3);
    const batch = ledger.batchSummary(1);
    expect([batch.prefix, batch.planned, batch.provisioned, batch.pending, batch.wiped, batch.finishedAt]).toEqual(["TS-", 3, 2, 0, 1, null]);
    // Begun before batches remembered their options, and never abandoned.
    expect([batch.options, batch.abandonedAt]).toEqual([null, null]);
    expect(ledger.reserveSerials("TS-", 1)).toEqual(["TS-000004"]);
    expect(ledger.listExports()).toEqual([
      { id: 1, at: 1764633620, format: "duo", path: "/home/admin/tokens-duo-t6.csv", tokenCount: 1, serialsSha256: createHash("sha256").update("TS-000001").digest("hex") },
    ]);
  });

  it("its rules still hold: one chip is one live token, and a wiped row keeps no secret", () => {
    ledger = openLedger(file);
    ledger.unlockEscrow(PASSPHRASE);
    expect(() => ledger!.recordProvisioned("LAB-7", { tokenId: "chip-0a1b2c3d4e5f", firmware: "2v99", managementKey: new Uint8Array(16) })).toThrow();
    ledger.markWiped("TS-000001");
    expect(ledger.getToken("TS-000001")).toMatchObject({ state: "wiped", hasManagementKey: false, hasEscrowedSeed: false });
  });
});

describe("a ledger file of schema version 2", () => {
  beforeEach(() => {
    rmSync(file);
    load(FIXTURE_V2);
  });

  it("opens, migrated to version 3; its batches' options and the abandoned batch read back; the version 3 tables answer", () => {
    ledger = openLedger(file);
    expect(ledger.schemaVersion()).toBe(3);
    // Version 3's additions work on the migrated file: service records and the profile index.
    expect(ledger.serviceTokens("duo").size).toBe(0);
    expect(ledger.provisionedProfiles().reduce((n, p) => n + p.count, 0)).toBe(ledger.listTokens({ state: "provisioned" }).length);
    expect(ledger.batchSummary(1)).toMatchObject({
      prefix: "TS-",
      finishedAt: null,
      abandonedAt: null,
      options: { out: "/home/admin/tokens-duo-t6.csv", format: "duo", escrow: true, port: "/dev/ttyUSB0", issuer: "Example IT" },
    });
    expect(ledger.batchSummary(2)).toMatchObject({ prefix: "OLD-", planned: 5, finishedAt: 1767312000, abandonedAt: 1767312000, options: { format: "duo", escrow: false } });
    expect(ledger.unfinishedBatches().map((b) => b.id)).toEqual([1]);
    expect(ledger.listTokens().map((t) => t.serial)).toEqual(["TS-000001", "TS-000002", "TS-000003", "LAB-7"]);
  });

  it("the escrow still opens, and an abandoned batch cannot be abandoned again", () => {
    ledger = openLedger(file);
    ledger.unlockEscrow(PASSPHRASE);
    expect(Buffer.from(ledger.escrowedSeed("TS-000001")!).toString("latin1")).toBe("12345678901234567890");
    expect(() => ledger!.abandonBatch(2)).toThrow(/batch 2 is already abandoned/);
    expect(ledger.abandonBatch(1, 1767400000)).toMatchObject({ abandonedAt: 1767400000, finishedAt: 1767400000 });
    expect(ledger.unfinishedBatches()).toEqual([]);
  });
});
