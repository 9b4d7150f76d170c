/**
 * `export duo` streamed from the ledger (streamDuoExport with SecretFileDraft): the files read
 * back with csv-parse hold exactly the ledger's tokens, one file per Duo type, each secret the
 * seed the ledger escrowed; one bad token writes nothing at all (no file, no temporary left).
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { heldUntilCommit, streamDuoExport } from "../../host/export/duo-stream.js";
import { exportFilePath } from "../../host/export/from-ledger.js";
import { SecretFileDraft } from "../../host/export/write-file.js";
import type { Ledger, TokenProfile } from "../../host/ledger/ledger.js";
import { tempDir, tempLedger } from "../ledger/support.js";

const TOTP6: TokenProfile = { label: "s", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 };

function ledgerWith(tokens: Array<[string, TokenProfile, { escrow?: boolean; seedBytes?: number }?]>): { ledger: Ledger; seeds: Map<string, string> } {
  const ledger = tempLedger();
  ledger.unlockEscrow("stream test passphrase");
  const seeds = new Map<string, string>();
  tokens.forEach(([serial, profile, options = {}], i) => {
    const seed = new Uint8Array(randomBytes(options.seedBytes ?? 20));
    seeds.set(serial, Buffer.from(seed).toString("hex"));
    const key = new Uint8Array(16).fill(i + 1);
    ledger.recordPending(serial, null, profile, { managementKey: key });
    ledger.recordProvisioned(serial, { tokenId: "c" + i, firmware: "t", managementKey: key, escrowedSeed: options.escrow === false ? undefined : seed });
  });
  return { ledger, seeds };
}

async function exportTo(ledger: Ledger, out: string) {
  return streamDuoExport(ledger, {}, (part, _title, parts) => SecretFileDraft.start(exportFilePath(out, part, parts)));
}

const read = (file: string) => parseCsv(readFileSync(file, "utf8"), { relax_column_count: true }) as string[][];

describe("export duo, streamed", () => {
  it("one 0600 file per Duo type, every token once in serial order with its escrowed seed (and ,60 / the HOTP counter)", async () => {
    const { ledger, seeds } = ledgerWith([
      ["S-3", TOTP6],
      ["S-1", TOTP6],
      ["S-2", { ...TOTP6, digits: 8, period: 60 }],
      ["S-4", { ...TOTP6, kind: "hotp", counter: 7 }],
    ]);
    const dir = tempDir();
    const out = path.join(dir, "duo.csv");
    const result = await exportTo(ledger, out);
    expect(result.parts.map((p) => [p.part, p.serials])).toEqual([["h6", ["S-4"]], ["t6", ["S-1", "S-3"]], ["t8", ["S-2"]]]);
    expect(read(path.join(dir, "duo.t6.csv"))).toEqual([["S-1", seeds.get("S-1")], ["S-3", seeds.get("S-3")]]);
    expect(read(path.join(dir, "duo.t8.csv"))).toEqual([["S-2", seeds.get("S-2"), "60"]]);
    expect(read(path.join(dir, "duo.h6.csv"))).toEqual([["S-4", seeds.get("S-4"), "7"]]);
    for (const f of readdirSync(dir)) expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(["duo.h6.csv", "duo.t6.csv", "duo.t8.csv"]);
  });

  it("one type: the file itself; a short secret is a warning, not a refusal", async () => {
    const { ledger } = ledgerWith([["W-1", TOTP6, { seedBytes: 10 }], ["W-2", TOTP6]]);
    const dir = tempDir();
    const result = await exportTo(ledger, path.join(dir, "duo.csv"));
    expect(readdirSync(dir)).toEqual(["duo.csv"]);
    expect(result.warnings).toEqual([expect.stringMatching(/token "W-1": the secret is only 80 bits/)]);
  });

  it("tokens Duo cannot take, even after thousands of good ones: every one is listed and no file (nor temporary) is left", async () => {
    const many: Array<[string, TokenProfile]> = [];
    for (let i = 0; i < 3000; i++) many.push([`G-${String(i).padStart(5, "0")}`, TOTP6]); // several 64 KiB chunks written before the bad ones
    many.push(["Z-1", { ...TOTP6, digits: 7 }], ["Z-2", { ...TOTP6, algorithm: "SHA256" }]);
    const { ledger } = ledgerWith(many);
    const dir = tempDir();
    await expect(exportTo(ledger, path.join(dir, "duo.csv"))).rejects.toThrow(/Nothing was exported: 2 problems[\s\S]*Z-1.*7 digits[\s\S]*Z-2.*SHA256/);
    expect(readdirSync(dir)).toEqual([]);
    // Standard output (--out -) cannot be taken back: nothing reaches it either.
    const printed: Buffer[] = [];
    const toStdout = () => Promise.resolve(heldUntilCommit(async (bytes) => void printed.push(bytes)));
    await expect(streamDuoExport(ledger, {}, toStdout)).rejects.toThrow(/Nothing was exported/);
    expect(printed).toEqual([]);
  });

  it("a token without an escrowed seed is refused with the tokens that have one named", async () => {
    const { ledger } = ledgerWith([["E-1", TOTP6], ["P-1", TOTP6, { escrow: false }]]);
    const dir = tempDir();
    await expect(exportTo(ledger, path.join(dir, "duo.csv"))).rejects.toThrow(/no escrowed seed for P-1[\s\S]*--serial E-1/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an existing file is refused before anything is written", async () => {
    const { ledger } = ledgerWith([["X-1", TOTP6]]);
    const dir = tempDir();
    const out = path.join(dir, "duo.csv");
    await exportTo(ledger, out);
    await expect(exportTo(ledger, out)).rejects.toThrow(/already exists/);
    expect(readdirSync(dir)).toEqual(["duo.csv"]);
  });
});
