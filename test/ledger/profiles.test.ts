/** A token's further profiles in the ledger (token_profiles): sealed, re-sealed, erased with the token. */
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import path from "node:path";
import { TOTP, tempDir, tempLedger } from "./support.js";

const SEED_2 = new Uint8Array(20).fill(0x22);
const SEED_3 = new Uint8Array(32).fill(0x33);

function withProfiles(file: string, escrow = true) {
  const ledger = tempLedger({}, file);
  ledger.unlockEscrow("profiles passphrase");
  ledger.recordPending("MP-1", null, TOTP, { managementKey: new Uint8Array(16) });
  ledger.recordProvisioned("MP-1", {
    tokenId: "chip",
    firmware: "t",
    managementKey: new Uint8Array(16),
    escrowedSeed: escrow ? new Uint8Array(20).fill(0x11) : undefined,
    extraProfiles: [
      { profile: { ...TOTP, label: "Two", algorithm: "SHA256", digits: 8 }, escrowedSeed: escrow ? SEED_2 : undefined },
      { profile: { label: "Three", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 9 }, escrowedSeed: escrow ? SEED_3 : undefined },
    ],
  });
  return ledger;
}

describe("a token's further profiles", () => {
  it("are recorded with their slots, sealed (not in the file in plaintext), and open with the passphrase", () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const ledger = withProfiles(file);
    expect(ledger.extraProfiles("MP-1").map((p) => [p.slot, p.label, p.algorithm, p.digits, p.kind, p.counter, p.hasEscrowedSeed])).toEqual([
      [2, "Two", "SHA256", 8, "totp", 0, true],
      [3, "Three", "SHA1", 6, "hotp", 9, true],
    ]);
    expect(Buffer.from(ledger.escrowedProfileSeed("MP-1", 3)!).equals(Buffer.from(SEED_3))).toBe(true);
    const raw = new Database(file, { readonly: true });
    const blobs = raw.prepare("SELECT escrow FROM token_profiles").pluck().all() as Buffer[];
    raw.close();
    for (const blob of blobs) expect(blob.includes(Buffer.from(SEED_3))).toBe(false);
    // A blob moved to another slot does not open (its slot is in the associated data).
    const db = new Database(file);
    db.prepare("UPDATE token_profiles SET escrow = (SELECT escrow FROM token_profiles WHERE slot = 3) WHERE slot = 2").run();
    db.close();
    expect(() => ledger.escrowedProfileSeed("MP-1", 2)).toThrow(/wrong passphrase or the escrow was altered/);
  });

  it("a passphrase change re-seals them; a wipe erases them", () => {
    const ledger = withProfiles(path.join(tempDir(), "ledger.sqlite"));
    expect(ledger.changeEscrowPassphrase("another passphrase")).toBe(1 + 1 + 1 + 2); // verifier, key, seed, two profiles
    expect(Buffer.from(ledger.escrowedProfileSeed("MP-1", 2)!).equals(Buffer.from(SEED_2))).toBe(true);
    ledger.markWiped("MP-1");
    expect(ledger.extraProfiles("MP-1").map((p) => p.hasEscrowedSeed)).toEqual([false, false]);
    expect(ledger.escrowedProfileSeed("MP-1", 2)).toBeNull();
  });

  it("without escrow, only the profiles are kept, not their seeds", () => {
    const ledger = withProfiles(path.join(tempDir(), "ledger.sqlite"), false);
    expect(ledger.extraProfiles("MP-1").map((p) => p.hasEscrowedSeed)).toEqual([false, false]);
  });
});
