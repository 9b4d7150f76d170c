import { chmodSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { EscrowError } from "../../host/ledger/escrow.js";
import { LedgerError, hashSerials, openLedger } from "../../host/ledger/ledger.js";
import { MIGRATIONS } from "../../host/ledger/schema.js";
import { TOTP, tempDir, tempLedger } from "./support.js";

const mkey = (fill: number) => new Uint8Array(32).fill(fill);
const seed = (fill: number) => new Uint8Array(20).fill(fill);
const mode = (file: string) => statSync(file).mode & 0o777;

describe("the ledger file", () => {
  it("is created 0600 in a new 0700 directory, in WAL mode, and so are its -wal and -shm", () => {
    const dir = path.join(tempDir(), "nested", "tokensmith");
    const file = path.join(dir, "ledger.sqlite");
    const ledger = tempLedger({}, file);
    ledger.beginBatch("TS-", 1);
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(file + "-wal")).toBe(0o600);
    expect(mode(file + "-shm")).toBe(0o600);
  });

  it("tightens an existing ledger file that is readable by others (when opened to write)", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    tempLedger({}, file).close();
    chmodSync(file, 0o644);
    tempLedger({}, file);
    expect(mode(file)).toBe(0o600);
  });

  it("leaves the mode alone when opened only to read, and refuses an empty file it did not create", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    tempLedger({}, file).close();
    chmodSync(file, 0o644);
    openLedger(file, { create: false }).close();
    expect(mode(file)).toBe(0o644);
    const empty = path.join(tempDir(), "empty.sqlite");
    writeFileSync(empty, "", { mode: 0o644 });
    expect(() => openLedger(empty)).toThrow(/is an empty file, not a tokensmith ledger/);
    expect(mode(empty)).toBe(0o644);
    expect(() => openLedger(path.join(tempDir(), "missing.sqlite"), { create: false })).toThrow(/there is no ledger at/);
  });

  it("migrates once: opening twice (and two handles) keeps one schema row per version", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const a = tempLedger({}, file);
    const b = tempLedger({}, file);
    a.close();
    const c = tempLedger({}, file);
    expect(c.schemaVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    b.close();
    c.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_migrations").pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("refuses a ledger from a newer tokensmith, and a database that is not a ledger", () => {
    const dir = tempDir();
    const newer = path.join(dir, "newer.sqlite");
    openLedger(newer).close();
    const db = new Database(newer);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 0)").run();
    db.close();
    expect(() => openLedger(newer)).toThrow(/schema version 99, newer than this tokensmith knows/);

    const other = path.join(dir, "other.sqlite");
    const odb = new Database(other);
    odb.exec("CREATE TABLE t (x)");
    odb.close();
    expect(() => openLedger(other)).toThrow(/not a tokensmith ledger/);

    const text = path.join(dir, "notes.txt");
    writeFileSync(text, "x".repeat(4096));
    expect(() => openLedger(text)).toThrow(LedgerError);
  });
});

describe("serials", () => {
  it("letter case does not make another serial (the display shows capitals)", () => {
    const ledger = tempLedger();
    ledger.recordPending("TS-000007", null, TOTP);
    expect(() => ledger.recordPending("ts-000007", null, TOTP)).toThrow(/differs from TS-000007, already in the ledger, only in letter case/);
    expect(ledger.reserveSerials("ts-", 1)).toEqual(["ts-000008"]);
    ledger.recordPending("ts-000008", null, TOTP);
    expect(ledger.reserveSerials("TS-", 1)).toEqual(["TS-000009"]);
    expect(ledger.listTokens().map((t) => t.serial)).toEqual(["TS-000007", "ts-000008"]);
  });

  it("counts up from the highest ever used for the prefix, wiped tokens included", () => {
    const ledger = tempLedger();
    expect(ledger.reserveSerials("TS-", 3)).toEqual(["TS-000001", "TS-000002", "TS-000003"]);
    const batch = ledger.beginBatch("TS-", 3);
    ledger.recordPending("TS-000003", batch, TOTP);
    ledger.markWiped("TS-000003");
    expect(ledger.reserveSerials("TS-", 2)).toEqual(["TS-000004", "TS-000005"]);
    expect(ledger.reserveSerials("LAB-", 1, 4)).toEqual(["LAB-0001"]);
  });

  it("never hands out a serial already in the ledger, even one recorded by hand beyond the counter", () => {
    const ledger = tempLedger();
    ledger.recordPending("TS-000900", null, TOTP);
    expect(ledger.reserveSerials("TS-", 1)).toEqual(["TS-000901"]);
  });

  it("survives reopening: reserved-but-unused numbers are not reused either", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const a = tempLedger({}, file);
    a.reserveSerials("TS-", 5);
    a.close();
    expect(tempLedger({}, file).reserveSerials("TS-", 1)).toEqual(["TS-000006"]);
  });

  it("two handles on one file get distinct serials", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const a = tempLedger({}, file);
    const b = tempLedger({}, file);
    const got = [...a.reserveSerials("TS-", 2), ...b.reserveSerials("TS-", 2), ...a.reserveSerials("TS-", 1)];
    expect(got).toEqual(["TS-000001", "TS-000002", "TS-000003", "TS-000004", "TS-000005"]);
  });

  it("refuses prefixes that would parse two ways, and a full width", () => {
    const ledger = tempLedger();
    expect(() => ledger.reserveSerials("TS1", 1)).toThrow(/not ending in a digit/);
    expect(() => ledger.reserveSerials("T S", 1)).toThrow(LedgerError);
    ledger.reserveSerials("X-", 9, 1);
    expect(() => ledger.reserveSerials("X-", 1, 1)).toThrow(/every 1-digit number/);
  });
});

describe("tokens", () => {
  it("a duplicate serial names the batch that has it", () => {
    const ledger = tempLedger();
    const batch = ledger.beginBatch("TS-", 2);
    ledger.recordPending("TS-000001", batch, TOTP);
    expect(() => ledger.recordPending("TS-000001", null, TOTP)).toThrow(
      `serial TS-000001 is already in the ledger (batch ${batch}, pending): serials are never reused; reserve a new one`,
    );
  });

  it("goes pending -> provisioned -> wiped; wiping erases the key and the escrow", () => {
    const ledger = tempLedger();
    ledger.unlockEscrow("pw");
    const batch = ledger.beginBatch("TS-", 1);
    ledger.recordPending("TS-000001", batch, { ...TOTP, digits: 8, algorithm: "SHA256" }, { at: 1_700_000_000 });
    expect(ledger.getToken("TS-000001")).toMatchObject({ state: "pending", tokenId: null, hasManagementKey: false, pendingAt: 1_700_000_000 });
    ledger.recordProvisioned("TS-000001", { tokenId: "a1b2c3", firmware: "1.2.0", managementKey: mkey(5), escrowedSeed: seed(9), at: 1_700_000_060 });
    expect(ledger.getToken("TS-000001")).toMatchObject({
      state: "provisioned",
      tokenId: "a1b2c3",
      firmware: "1.2.0",
      digits: 8,
      algorithm: "SHA256",
      period: 30,
      provisionedAt: 1_700_000_060,
      hasManagementKey: true,
      managementKeySealed: true,
      hasEscrowedSeed: true,
    });
    expect(Buffer.from(ledger.managementKey("TS-000001")!)).toEqual(Buffer.from(mkey(5)));
    expect(Buffer.from(ledger.escrowedSeed("TS-000001")!)).toEqual(Buffer.from(seed(9)));
    expect(() => ledger.recordProvisioned("TS-000001", { tokenId: "a1b2c3", firmware: "1.2.0", managementKey: mkey(5) })).toThrow(/is provisioned, not pending/);
    ledger.markWiped("TS-000001");
    expect(ledger.getToken("TS-000001")).toMatchObject({ state: "wiped", hasManagementKey: false, hasEscrowedSeed: false });
    expect(ledger.managementKey("TS-000001")).toBeNull();
    expect(ledger.listTokens({ state: "wiped" }).map((t) => t.serial)).toEqual(["TS-000001"]);
  });

  it("without an escrow: the management key is stored as is, and a seed cannot be escrowed", () => {
    const ledger = tempLedger();
    ledger.recordPending("TS-000001", null, TOTP);
    expect(() => ledger.recordProvisioned("TS-000001", { tokenId: "c", firmware: "1", managementKey: mkey(1), escrowedSeed: seed(1) })).toThrow(/has no escrow/);
    expect(ledger.getToken("TS-000001")!.state).toBe("pending"); // nothing half-written
    ledger.recordProvisioned("TS-000001", { tokenId: "c", firmware: "1", managementKey: mkey(1) });
    expect(ledger.getToken("TS-000001")).toMatchObject({ managementKeySealed: false, hasEscrowedSeed: false });
    expect(Buffer.from(ledger.managementKey("TS-000001")!)).toEqual(Buffer.from(mkey(1)));
  });

  it("a failed recordProvisioned changes nothing (chip already live under another serial)", () => {
    const ledger = tempLedger();
    ledger.recordPending("TS-000001", null, TOTP);
    ledger.recordProvisioned("TS-000001", { tokenId: "chip", firmware: "1", managementKey: mkey(1) });
    ledger.recordPending("TS-000002", null, TOTP, { managementKey: mkey(2) });
    expect(() => ledger.recordProvisioned("TS-000002", { tokenId: "chip", firmware: "1", managementKey: mkey(3) })).toThrow(
      "chip chip is already the provisioned token TS-000001 in the ledger: mark that one wiped first",
    );
    expect(ledger.getToken("TS-000002")).toMatchObject({ state: "pending", tokenId: null });
    expect(Buffer.from(ledger.managementKey("TS-000002")!)).toEqual(Buffer.from(mkey(2)));
  });

  it("summarises batches and lists the unfinished ones for a resume", () => {
    const ledger = tempLedger();
    const b1 = ledger.beginBatch("TS-", 4);
    const b2 = ledger.beginBatch("TS-", 1);
    const serials = ledger.reserveSerials("TS-", 4);
    for (const s of serials.slice(0, 3)) ledger.recordPending(s, b1, TOTP);
    ledger.recordProvisioned(serials[0], { tokenId: "c0", firmware: "1", managementKey: mkey(1) });
    ledger.recordProvisioned(serials[1], { tokenId: "c1", firmware: "1", managementKey: mkey(1) });
    expect(ledger.batchSummary(b1)).toMatchObject({ id: b1, prefix: "TS-", planned: 4, provisioned: 2, pending: 1, wiped: 0, remaining: 1, finishedAt: null });
    ledger.finishBatch(b2, 1_700_000_000);
    expect(ledger.unfinishedBatches().map((b) => b.id)).toEqual([b1]);
    expect(ledger.batchSummary(b2).finishedAt).toBe(1_700_000_000);
    expect(ledger.listTokens({ batchId: b1, state: "pending" }).map((t) => t.serial)).toEqual([serials[2]]);
    expect(() => ledger.batchSummary(999)).toThrow("batch 999 is not in the ledger");
    expect(() => ledger.recordPending("TS-000099", 999, TOTP)).toThrow("batch 999 is not in the ledger");
  });

  it("records exports with a hash of the serial set", () => {
    const ledger = tempLedger();
    const e = ledger.recordExport({ format: "duo", path: "/tmp/duo.csv", serials: ["TS-000002", "TS-000001"], at: 1_700_000_000 });
    expect(e).toMatchObject({ format: "duo", tokenCount: 2, at: 1_700_000_000 });
    expect(e.serialsSha256).toBe(hashSerials(["TS-000001", "TS-000002"]));
    expect(ledger.listExports()).toEqual([e]);
  });
});

describe("the escrow in the ledger", () => {
  it("changing the passphrase re-seals every blob: the new one opens seeds and keys, the old one nothing", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const a = tempLedger({}, file);
    a.unlockEscrow("old passphrase");
    a.recordPending("TS-000001", null, TOTP, { managementKey: mkey(5), tokenId: "c1" });
    a.recordProvisioned("TS-000001", { tokenId: "c1", firmware: "1", managementKey: mkey(5), escrowedSeed: seed(9) });
    a.recordPending("TS-000002", null, TOTP, { managementKey: mkey(6), tokenId: "c2" });
    const sealedBefore = new Database(file, { readonly: true }).prepare("SELECT escrow FROM tokens WHERE serial = 'TS-000001'").pluck().get() as Buffer;
    expect(a.changeEscrowPassphrase("new passphrase")).toBe(4); // 2 keys, 1 seed, and the verifier
    expect(Buffer.from(a.escrowedSeed("TS-000001")!)).toEqual(Buffer.from(seed(9)));
    a.close();
    const b = tempLedger({}, file);
    expect(() => b.unlockEscrow("old passphrase")).toThrow(EscrowError);
    b.unlockEscrow("new passphrase");
    expect(Buffer.from(b.escrowedSeed("TS-000001")!)).toEqual(Buffer.from(seed(9)));
    expect(Buffer.from(b.managementKey("TS-000001")!)).toEqual(Buffer.from(mkey(5)));
    expect(Buffer.from(b.managementKey("TS-000002")!)).toEqual(Buffer.from(mkey(6)));
    const sealedAfter = new Database(file, { readonly: true }).prepare("SELECT escrow FROM tokens WHERE serial = 'TS-000001'").pluck().get() as Buffer;
    expect(sealedAfter.subarray(4, 20).equals(sealedBefore.subarray(4, 20))).toBe(false); // a new salt
  });

  it("changing the passphrase needs the escrow unlocked", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    tempLedger({}, file).unlockEscrow("old passphrase");
    expect(() => tempLedger({}, file).changeEscrowPassphrase("new")).toThrow(/escrow is locked/);
  });

  it("a wrong passphrase is refused before anything is written, also after reopening", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const a = tempLedger({}, file);
    expect(a.escrowConfigured()).toBe(false);
    a.unlockEscrow("right");
    expect(a.escrowConfigured()).toBe(true);
    a.close();
    const b = tempLedger({}, file);
    expect(b.escrowUnlocked).toBe(false);
    expect(() => b.unlockEscrow("wrong")).toThrow(EscrowError);
    expect(() => b.unlockEscrow("wrong")).toThrow("wrong passphrase or the escrow was altered");
    b.recordPending("TS-000001", null, TOTP);
    expect(() => b.recordProvisioned("TS-000001", { tokenId: "c", firmware: "1", managementKey: mkey(1) })).toThrow(/escrow is locked/);
    b.unlockEscrow("right");
    b.recordProvisioned("TS-000001", { tokenId: "c", firmware: "1", managementKey: mkey(1), escrowedSeed: seed(2) });
    expect(Buffer.from(b.escrowedSeed("TS-000001")!)).toEqual(Buffer.from(seed(2)));
  });

  it("creating the escrow seals the management keys recorded before it", () => {
    const ledger = tempLedger();
    ledger.recordPending("TS-000001", null, TOTP, { managementKey: mkey(4) });
    expect(ledger.getToken("TS-000001")!.managementKeySealed).toBe(false);
    ledger.unlockEscrow("pw");
    expect(ledger.getToken("TS-000001")!.managementKeySealed).toBe(true);
    expect(Buffer.from(ledger.managementKey("TS-000001")!)).toEqual(Buffer.from(mkey(4)));
  });

  it("an escrow blob moved to another token's row does not open", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const ledger = tempLedger({}, file);
    ledger.unlockEscrow("pw");
    for (const [i, s] of ["TS-000001", "TS-000002"].entries()) {
      ledger.recordPending(s, null, TOTP);
      ledger.recordProvisioned(s, { tokenId: "c" + i, firmware: "1", managementKey: mkey(i + 1), escrowedSeed: seed(i + 1) });
    }
    const db = new Database(file);
    db.prepare("UPDATE tokens SET escrow = (SELECT escrow FROM tokens WHERE serial = 'TS-000001') WHERE serial = 'TS-000002'").run();
    db.close();
    expect(() => ledger.escrowedSeed("TS-000002")).toThrow("wrong passphrase or the escrow was altered");
    expect(Buffer.from(ledger.escrowedSeed("TS-000001")!)).toEqual(Buffer.from(seed(1)));
  });
});

describe("clock syncs and drift", () => {
  const day = 86_400;
  const t0 = 1_700_000_000;

  function withToken() {
    const ledger = tempLedger();
    ledger.recordPending("TS-000001", null, TOTP);
    return ledger;
  }

  it("0 s then +1.728 s a day later is +20 ppm", () => {
    const ledger = withToken();
    expect(ledger.recordClockSync("TS-000001", 0, false, t0)).toMatchObject({ secondsSinceLastSync: null });
    expect(ledger.driftPpm("TS-000001")).toBeNull();
    expect(ledger.recordClockSync("TS-000001", 1.728, false, t0 + day)).toMatchObject({ secondsSinceLastSync: day });
    // 1.728 s / 86 400 s = 0.000 020 = 20 ppm
    expect(ledger.driftPpm("TS-000001")).toBeCloseTo(20, 9);
  });

  it("each sync resets the clock: the offset found is the drift since the previous sync", () => {
    const ledger = withToken();
    ledger.recordClockSync("TS-000001", 3.0, true, t0); // factory offset at provisioning: not drift
    ledger.recordClockSync("TS-000001", 1.728, false, t0 + day); // 20 ppm over day 1
    ledger.recordClockSync("TS-000001", 0.864, false, t0 + 2 * day); // 10 ppm over day 2
    // (1.728 + 0.864) s / 172 800 s = 15 ppm
    expect(ledger.driftPpm("TS-000001")).toBeCloseTo(15, 9);
    expect(ledger.clockSyncs("TS-000001").map((s) => [s.secondsSinceLastSync, s.authorised])).toEqual([
      [null, true],
      [day, false],
      [day, false],
    ]);
  });

  it("a slow clock is negative; a lost clock's interval is left out", () => {
    const ledger = withToken();
    ledger.recordClockSync("TS-000001", null, true, t0);
    ledger.recordClockSync("TS-000001", -0.432, false, t0 + day); // -0.432 / 86 400 = -5 ppm
    ledger.recordClockSync("TS-000001", null, true, t0 + 3 * day);
    expect(ledger.driftPpm("TS-000001")).toBeCloseTo(-5, 9);
  });

  it("refuses a sync dated before the last one, and an unknown serial", () => {
    const ledger = withToken();
    ledger.recordClockSync("TS-000001", 0, false, t0);
    expect(() => ledger.recordClockSync("TS-000001", 0, false, t0 - 10)).toThrow(/before the last recorded one/);
    expect(() => ledger.recordClockSync("TS-404", 0, false, t0)).toThrow("serial TS-404 is not in the ledger");
  });
});

describe("forget: the rules for giving up on a token live in the ledger", () => {
  const MK = new Uint8Array(32).fill(7);

  function withTokens() {
    const ledger = tempLedger();
    ledger.recordPending("P-1", null, TOTP, { managementKey: MK, tokenId: "246f28000001", at: 1000 });
    ledger.recordPending("L-1", null, TOTP, { managementKey: MK, tokenId: "246f28000002", at: 1000 });
    ledger.recordProvisioned("L-1", { tokenId: "246f28000002", firmware: "0.1.0", managementKey: MK, at: 1001 });
    return ledger;
  }

  it("a pending token is forgotten: wiped, its key erased", () => {
    const ledger = withTokens();
    ledger.forget("P-1", {}, 2000);
    expect(ledger.getToken("P-1")!.state).toBe("wiped");
    expect(ledger.managementKey("P-1")).toBeNull();
  });

  it("a provisioned token is refused without force and left exactly as it was; with force it is retired", () => {
    const ledger = withTokens();
    const before = ledger.getToken("L-1");
    expect(() => ledger.forget("L-1")).toThrow(LedgerError);
    expect(() => ledger.forget("L-1")).toThrow(/L-1 is provisioned: wipe the token with tokensmith wipe, or .* add --force/);
    expect(ledger.getToken("L-1")).toEqual(before);
    expect(Buffer.from(ledger.managementKey("L-1")!)).toEqual(Buffer.from(MK));
    ledger.forget("L-1", { force: true }, 2000);
    expect(ledger.getToken("L-1")!.state).toBe("wiped");
    expect(ledger.managementKey("L-1")).toBeNull();
  });

  it("an unknown or already wiped serial is refused", () => {
    const ledger = withTokens();
    expect(() => ledger.forget("NOPE-1")).toThrow(/NOPE-1 is not in /);
    ledger.forget("P-1");
    expect(() => ledger.forget("P-1")).toThrow(/P-1 is already wiped/);
  });
});
