/**
 * What the ledger keeps for the identity services: tokens pushed (service_tokens, schema 3) and
 * service credentials sealed in the escrow.
 */
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { TEST_COST, TOTP, tempDir, tempLedger, track } from "./support.js";

const PASSPHRASE = "service test passphrase";
const SECRET_KEY = "duo-secret-key-that-must-stay-sealed-0123";

function provisioned(serial: string) {
  const ledger = tempLedger();
  ledger.unlockEscrow(PASSPHRASE);
  ledger.recordPending(serial, null, TOTP, { managementKey: new Uint8Array(16) });
  ledger.recordProvisioned(serial, { tokenId: "chip", firmware: "t", managementKey: new Uint8Array(16), escrowedSeed: new Uint8Array(20).fill(7) });
  return ledger;
}

describe("service credentials in the escrow", () => {
  it("are sealed (not in the file in plaintext), open with the passphrase, and survive a passphrase change", () => {
    const dir = tempDir();
    const file = path.join(dir, "ledger.sqlite");
    const ledger = tempLedger({}, file);
    ledger.unlockEscrow(PASSPHRASE);
    ledger.storeCredential("duo:api-x.duosecurity.com:DIXXXXXXXXXXXXXXXXXX", SECRET_KEY);
    const raw = new Database(file, { readonly: true });
    const blob = raw.prepare("SELECT value FROM meta WHERE key LIKE 'credential:%'").pluck().get() as Buffer;
    raw.close();
    expect(Buffer.from(blob).includes(Buffer.from(SECRET_KEY))).toBe(false);
    expect(ledger.credential("duo:api-x.duosecurity.com:DIXXXXXXXXXXXXXXXXXX")).toBe(SECRET_KEY);
    expect(ledger.credential("duo:other")).toBeNull();

    ledger.changeEscrowPassphrase("a new passphrase 2");
    ledger.close();
    const reopened = track(openLedger(file, { scryptCost: TEST_COST }));
    expect(reopened.hasCredential("duo:api-x.duosecurity.com:DIXXXXXXXXXXXXXXXXXX")).toBe(true);
    expect(() => reopened.credential("duo:api-x.duosecurity.com:DIXXXXXXXXXXXXXXXXXX")).toThrow(/escrow is locked/);
    reopened.unlockEscrow("a new passphrase 2");
    expect(reopened.credential("duo:api-x.duosecurity.com:DIXXXXXXXXXXXXXXXXXX")).toBe(SECRET_KEY);
  });

  it("a blob copied to another name does not open (bound to its name)", () => {
    const dir = tempDir();
    const file = path.join(dir, "ledger.sqlite");
    const ledger = tempLedger({}, file);
    ledger.unlockEscrow(PASSPHRASE);
    ledger.storeCredential("duo:a", SECRET_KEY);
    const raw = new Database(file);
    raw.prepare("INSERT INTO meta (key, value) SELECT 'credential:duo:b', value FROM meta WHERE key = 'credential:duo:a'").run();
    raw.close();
    expect(() => ledger.credential("duo:b")).toThrow(/wrong passphrase or the escrow was altered/);
  });
});

describe("service_tokens", () => {
  it("records a push, its assignment and activation; a new remote id forgets the old assignment", () => {
    const ledger = provisioned("SV-1");
    expect(() => ledger.recordServiceAssignment("SV-1", "duo", "api-x", "ada")).toThrow(/not recorded as pushed/);
    ledger.recordServiceToken({ serial: "SV-1", service: "duo", account: "api-x", remoteId: "DH1" });
    ledger.recordServiceAssignment("SV-1", "duo", "api-x", "ada");
    ledger.recordServiceActivation("SV-1", "duo", "api-x");
    let row = ledger.serviceTokens("duo", "api-x").get("SV-1")!;
    expect([row.remoteId, row.assignedTo, row.activatedAt !== null]).toEqual(["DH1", "ada", true]);
    ledger.recordServiceToken({ serial: "SV-1", service: "duo", account: "api-x", remoteId: "DH1" });
    expect(ledger.serviceTokens("duo", "api-x").get("SV-1")!.assignedTo).toBe("ada");
    ledger.recordServiceToken({ serial: "SV-1", service: "duo", account: "api-x", remoteId: "DH2" });
    row = ledger.serviceTokens("duo", "api-x").get("SV-1")!;
    expect([row.remoteId, row.assignedTo, row.activatedAt]).toEqual(["DH2", null, null]);
    expect(ledger.serviceTokens("duo", "api-y").size).toBe(0);
    expect(() => ledger.recordServiceToken({ serial: "NOPE", service: "duo", account: "api-x", remoteId: "DH3" })).toThrow(/not in the ledger/);
  });
});
