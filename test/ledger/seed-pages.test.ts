/**
 * The ledger's scan of provisioned tokens with their escrowed seeds, page by page (what
 * `export duo` streams): every token once in serial order with the seed it was given, pending
 * and wiped tokens left out, a batch on its own; a blob that does not open stops the scan after
 * the pages before it; a locked escrow is named; the database is not held between pages.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { EscrowError } from "../../host/ledger/escrow.js";
import { LedgerError, openLedger, type Ledger, type ProvisionedSeed } from "../../host/ledger/ledger.js";
import { TEST_COST, TOTP, tempDir, tempLedger, track } from "./support.js";

const PASSPHRASE = "seed page passphrase";

/**
 * `count` tokens recorded in a shuffled serial order (the scan's order is not the insertion
 * order), every fifth without an escrowed seed, the first half in one batch; plus one pending and
 * one wiped token that the scan must leave out.
 */
function ledgerOf(count: number): { ledger: Ledger; file: string; seeds: Map<string, string | null>; batchId: number; inBatch: string[] } {
  const file = path.join(tempDir(), "ledger.sqlite");
  const ledger = tempLedger({}, file);
  ledger.unlockEscrow(PASSPHRASE);
  const batchId = ledger.beginBatch("S-", Math.ceil(count / 2));
  const seeds = new Map<string, string | null>();
  const inBatch: string[] = [];
  const serials = Array.from({ length: count }, (_, i) => `S-${String(i).padStart(4, "0")}`);
  serials.map((_, i) => serials[(i * 7) % count]!).forEach((serial, i) => {
    const seed = i % 5 === 4 ? null : new Uint8Array(randomBytes(20));
    const key = new Uint8Array(16).fill(i + 1);
    const batch = i < count / 2 ? batchId : null;
    if (batch !== null) inBatch.push(serial);
    ledger.recordPending(serial, batch, { ...TOTP, digits: i % 2 === 0 ? 6 : 8 }, { managementKey: key });
    ledger.recordProvisioned(serial, { tokenId: "chip" + i, firmware: "t", managementKey: key, escrowedSeed: seed ?? undefined });
    seeds.set(serial, seed && Buffer.from(seed).toString("hex"));
  });
  expect(seeds.size).toBe(count); // 7 is prime to the counts used: the shuffle is a permutation
  ledger.recordPending("P-pending", null, TOTP, { managementKey: new Uint8Array(16) });
  ledger.recordPending("W-wiped", null, TOTP, { managementKey: new Uint8Array(16).fill(9) });
  ledger.recordProvisioned("W-wiped", { tokenId: "gone", firmware: "t", managementKey: new Uint8Array(16).fill(9), escrowedSeed: new Uint8Array(20) });
  ledger.markWiped("W-wiped");
  return { ledger, file, seeds, batchId, inBatch: inBatch.sort() };
}

const hex = (row: ProvisionedSeed) => row.secret && Buffer.from(row.secret).toString("hex");

/** Moves one token's blob onto another token's row: sealed for another serial, it must not open there. */
function moveBlob(file: string, from: string, to: string): void {
  const db = new Database(file);
  try {
    db.prepare("UPDATE tokens SET escrow = (SELECT escrow FROM tokens WHERE serial = ?) WHERE serial = ?").run(from, to);
  } finally {
    db.close();
  }
}

describe("provisioned tokens with their seeds, page by page", () => {
  it.each([1, 8, 45, 1000])("pages of %i: every provisioned token once, in serial order, with the seed it was given (null when not escrowed); pending and wiped left out", (pageRows) => {
    const { ledger, seeds } = ledgerOf(45);
    const pages = [...ledger.provisionedSeedPages({}, pageRows)];
    expect(pages.map((p) => p.length)).toEqual(Array.from({ length: Math.ceil(45 / pageRows) }, (_, i) => Math.min(pageRows, 45 - i * pageRows)));
    const rows = pages.flat();
    expect(rows.map((r) => r.serial)).toEqual([...seeds.keys()].sort());
    for (const row of rows) expect(hex(row), row.serial).toBe(seeds.get(row.serial));
    expect(rows.filter((r) => r.secret === null)).toHaveLength(9);
    expect(rows.find((r) => r.serial === "S-0007")?.digits).toBe(8); // recorded second (index 1): the profile travels with its seed
  });

  it("one batch: only its tokens, in serial order, with their seeds", () => {
    const { ledger, seeds, batchId, inBatch } = ledgerOf(30);
    const rows = [...ledger.provisionedSeedPages({ batchId }, 4)].flat();
    expect(rows.map((r) => r.serial)).toEqual(inBatch);
    for (const row of rows) expect(hex(row), row.serial).toBe(seeds.get(row.serial));
  });

  it("a blob moved onto another token's row: the pages before it come out, then EscrowError", () => {
    const { ledger, file, seeds } = ledgerOf(30);
    moveBlob(file, "S-0001", "S-0021"); // both escrowed
    const seen: string[] = [];
    const pages = ledger.provisionedSeedPages({}, 8);
    expect(() => {
      for (const page of pages) for (const row of page) seen.push(row.serial);
    }).toThrow(EscrowError);
    expect(seen).toEqual([...seeds.keys()].sort().slice(0, 16)); // pages S-0000..7 and S-0008..15; S-0021 is in the third
    expect(() => ledger.provisionedSeedPages({}, 8).next()).not.toThrow(); // the scan can start again: nothing was left half-done
  });

  it("a locked escrow: a LedgerError naming a sealed token and saying to give the passphrase", () => {
    const { file } = ledgerOf(12);
    const locked = track(openLedger(file, { scryptCost: TEST_COST }));
    expect(() => [...locked.provisionedSeedPages()]).toThrow(LedgerError);
    expect(() => [...locked.provisionedSeedPages()]).toThrow(/cannot read the escrowed seed of S-\d{4}: the ledger's escrow is locked: give the escrow passphrase/);
  });

  it("the database is free between pages: the ledger can be read while a scan is paused", () => {
    const { ledger } = ledgerOf(20);
    const pages = ledger.provisionedSeedPages({}, 5);
    expect(pages.next().value).toHaveLength(5);
    expect(ledger.listTokens({ state: "provisioned" })).toHaveLength(20); // an open iterator would make this "connection is busy"
    expect([...pages].flat()).toHaveLength(15);
  });
});
