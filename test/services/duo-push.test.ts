/**
 * `duo push` and `duo status` as a library, through Duo's official client over real HTTPS to the
 * local fake (test/services/fake-duo.ts), which checks every signature. After each run the fake's
 * tokens and the ledger's records must agree, and the secret each token got in Duo must give
 * the codes otplib computes from the seed the ledger escrowed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { generateSync } from "otplib";
import { DuoAdminApi, DuoApiError } from "../../host/duo/admin-api.js";
import { parseAssignments } from "../../host/duo/assignments.js";
import { pushTokensToDuo } from "../../host/duo/push.js";
import { duoStatus } from "../../host/duo/status.js";
import type { Ledger, TokenProfile } from "../../host/ledger/ledger.js";
import { tempLedger } from "../ledger/support.js";
import { FakeDuo } from "./fake-duo.js";
import { makeTestPki, removePki, type TestPki } from "./pki.js";
import { redirectHttps } from "./https-redirect.mjs";

const PASSPHRASE = "duo push test passphrase";
let pki: TestPki;
let duo: FakeDuo;
let undoRedirect: () => void;

beforeAll(async () => {
  pki = makeTestPki("api-fake.duo.test");
  duo = new FakeDuo(pki);
  const port = await duo.start();
  undoRedirect = redirectHttps(`127.0.0.1:${port}`, pki.caFile);
});

afterAll(async () => {
  undoRedirect?.();
  await duo?.stop();
  if (pki) removePki(pki);
});

beforeEach(() => {
  duo.tokens.clear();
  duo.users.clear();
  duo.log.length = 0;
  duo.rateLimitNext = 0;
  duo.requestsPerSecond = 0;
  duo.dropAnswerAfterCreates = null;
  duo.outage = false;
  duo.forbidden = false;
});

const TOTP6: TokenProfile = { label: "t", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 };

/** A ledger with provisioned, escrowed tokens; returns it and each token's seed. */
function ledgerWith(tokens: Array<[string, TokenProfile]>): { ledger: Ledger; seeds: Map<string, Uint8Array> } {
  const ledger = tempLedger();
  ledger.unlockEscrow(PASSPHRASE);
  const seeds = new Map<string, Uint8Array>();
  tokens.forEach(([serial, profile], i) => {
    const seed = new Uint8Array(randomBytes(20));
    seeds.set(serial, seed.slice());
    ledger.recordPending(serial, null, profile, { managementKey: new Uint8Array(16).fill(i + 1) });
    ledger.recordProvisioned(serial, { tokenId: "chip" + i, firmware: "test", managementKey: new Uint8Array(16).fill(i + 1), escrowedSeed: seed });
  });
  return { ledger, seeds };
}

const api = (secretKey = duo.secretKey) => new DuoAdminApi({ apiHost: duo.host, integrationKey: duo.integrationKey, secretKey });

/** The fake's tokens and the ledger's Duo records name the same token_ids. */
function expectAgreement(ledger: Ledger): void {
  const recorded = [...ledger.serviceTokens("duo", duo.host).values()].map((r) => [r.serial, r.remoteId]).sort();
  const inDuo = [...duo.tokens.values()].map((t) => [t.serial, t.token_id]).sort();
  expect(recorded).toEqual(inDuo);
}

describe("duo push", () => {
  it("creates each token with the escrowed seed (codes match otplib), records Duo's token_id, and a re-run changes nothing", async () => {
    const { ledger, seeds } = ledgerWith([
      ["DP-1", TOTP6],
      ["DP-2", { ...TOTP6, digits: 8, period: 60 }],
      ["DP-3", { ...TOTP6, kind: "hotp", counter: 5 }],
    ]);
    const first = await pushTokensToDuo(ledger, api(), ledger.listTokens({ state: "provisioned" }));
    expect(first.items.map((i) => [i.serial, i.type, i.outcome])).toEqual([
      ["DP-1", "t6", "created"],
      ["DP-2", "t8", "created"],
      ["DP-3", "h6", "created"],
    ]);
    expect(duo.token("t8", "DP-2")!.totp_step).toBe(60);
    expect(duo.token("h6", "DP-3")!.counter).toBe(5);
    // The secret Duo holds gives the token's codes (otplib from the seed the test made).
    for (const [serial, type, digits, period] of [["DP-1", "t6", 6, 30], ["DP-2", "t8", 8, 60]] as const) {
      const held = Buffer.from(duo.token(type, serial)!.secret, "hex");
      const t = 1_900_000_000;
      expect(generateSync({ secret: held, epoch: t, digits, period } as never)).toBe(generateSync({ secret: seeds.get(serial)!, epoch: t, digits, period } as never));
    }
    expectAgreement(ledger);

    const creates = () => duo.log.filter((r) => r.method === "POST").length;
    const before = creates();
    const again = await pushTokensToDuo(ledger, api(), ledger.listTokens({ state: "provisioned" }));
    expect(again.items.map((i) => i.outcome)).toEqual(["already-pushed", "already-pushed", "already-pushed"]);
    expect(creates()).toBe(before);
    expectAgreement(ledger);
  });

  it("refuses, before any request, a token Duo cannot take (SHA-256) and one without an escrowed seed", async () => {
    const { ledger } = ledgerWith([["DS-1", { ...TOTP6, algorithm: "SHA256" }]]);
    await expect(pushTokensToDuo(ledger, api(), ledger.listTokens())).rejects.toThrow(/nothing was sent to Duo[\s\S]*DS-1.*SHA256, but Duo accepts only SHA-1/);
    ledger.recordPending("DS-2", null, TOTP6, { managementKey: new Uint8Array(16) });
    ledger.recordProvisioned("DS-2", { tokenId: "chipx", firmware: "t", managementKey: new Uint8Array(16) });
    await expect(pushTokensToDuo(ledger, api(), [ledger.getToken("DS-2")!])).rejects.toThrow(/no escrowed seed for DS-2/);
    expect(duo.log).toEqual([]);
  });

  it("assigns: attaches to the named user, reports an unknown user and a token held by someone else, and prints Admin Panel steps for an administrator", async () => {
    const { ledger } = ledgerWith([["DA-1", TOTP6], ["DA-2", TOTP6], ["DA-3", TOTP6], ["DA-4", TOTP6]]);
    duo.addUser("alice");
    const bob = duo.addUser("bob");
    const assignments = parseAssignments("serial,username\nDA-1,alice\nDA-2,nobody\nDA-3,alice\nDA-4,admin:helpdesk@example.com\n");
    // DA-3 is already in Duo, attached to bob.
    await pushTokensToDuo(ledger, api(), [ledger.getToken("DA-3")!]);
    duo.token("t6", "DA-3")!.users.push(bob.user_id);

    const report = await pushTokensToDuo(ledger, api(), ledger.listTokens(), { assignments });
    const byserial = Object.fromEntries(report.items.map((i) => [i.serial, i]));
    expect(byserial["DA-1"].assignment).toBe("attached");
    expect(duo.token("t6", "DA-1")!.users.map((id) => duo.users.get(id)!.username)).toEqual(["alice"]);
    expect(byserial["DA-2"].assignment).toBe("failed");
    expect(byserial["DA-2"].note).toMatch(/no user named "nobody"/);
    expect(byserial["DA-3"].assignment).toBe("failed");
    expect(byserial["DA-3"].note).toMatch(/attached in Duo to bob, not alice/);
    expect(duo.token("t6", "DA-3")!.users).toEqual([bob.user_id]);
    expect(byserial["DA-4"].assignment).toBe("admin-panel");
    expect(report.adminPanelSteps.join("\n")).toMatch(/cannot attach a hardware token to an administrator[\s\S]*DA-4 -> helpdesk@example.com/);
    expect(ledger.serviceTokens("duo", duo.host).get("DA-1")!.assignedTo).toBe("alice");
    expect(ledger.serviceTokens("duo", duo.host).get("DA-2")!.assignedTo).toBeNull();
    expectAgreement(ledger);

    // Once alice exists under the right name, a re-run attaches only what is missing.
    duo.addUser("nobody");
    const attachesBefore = duo.log.filter((r) => r.path.endsWith("/tokens") && r.path.startsWith("/admin/v1/users/")).length;
    const rerun = await pushTokensToDuo(ledger, api(), ledger.listTokens(), { assignments });
    expect(rerun.items.map((i) => i.assignment)).toEqual(["already-attached", "attached", "failed", "admin-panel"]);
    expect(duo.log.filter((r) => r.path.endsWith("/tokens") && r.path.startsWith("/admin/v1/users/")).length).toBe(attachesBefore + 1);
  });

  it("a failure halfway (Duo created the token but the answer was lost) stops the run; the next run records it and goes on", async () => {
    const { ledger } = ledgerWith([["DH-1", TOTP6], ["DH-2", TOTP6], ["DH-3", TOTP6]]);
    duo.dropAnswerAfterCreates = 1; // DH-1 answered, DH-2 created but unanswered
    const first = await pushTokensToDuo(ledger, api(), ledger.listTokens());
    expect(first.stoppedBy).toBeInstanceOf(DuoApiError);
    expect(first.items.map((i) => [i.serial, i.outcome])).toEqual([["DH-1", "created"]]);
    expect(first.notReached).toEqual(["DH-2", "DH-3"]);
    expect([...duo.tokens.values()].map((t) => t.serial).sort()).toEqual(["DH-1", "DH-2"]);
    expect([...ledger.serviceTokens("duo", duo.host).keys()]).toEqual(["DH-1"]);

    const second = await pushTokensToDuo(ledger, api(), ledger.listTokens());
    expect(second.items.map((i) => [i.serial, i.outcome])).toEqual([
      ["DH-1", "already-pushed"],
      ["DH-2", "found-in-duo"],
      ["DH-3", "created"],
    ]);
    expect(duo.tokens.size).toBe(3);
    expectAgreement(ledger);
  });

  it("HTTP 429 is retried by the client with backoff, and the run completes", async () => {
    const { ledger } = ledgerWith([["DR-1", TOTP6]]);
    duo.rateLimitNext = 1;
    const report = await pushTokensToDuo(ledger, api(), ledger.listTokens());
    expect(report.items.map((i) => i.outcome)).toEqual(["created"]);
    expect(duo.log.filter((r) => r.status === 429)).toHaveLength(1);
    expectAgreement(ledger);
  }, 20_000);

  it("a wrong secret key is refused by the fake's signature check (401): the run stops before anything is created", async () => {
    const { ledger } = ledgerWith([["DW-1", TOTP6], ["DW-2", TOTP6]]);
    const report = await pushTokensToDuo(ledger, api("0".repeat(40)), ledger.listTokens());
    expect(report.stoppedBy?.code).toBe(40103);
    expect(report.stoppedBy?.message).toMatch(/integration key and secret key/);
    expect(report.notReached).toEqual(["DW-1", "DW-2"]);
    expect(duo.tokens.size).toBe(0);
    expect(ledger.serviceTokens("duo", duo.host).size).toBe(0);
  });

  it("an application without the resource permissions (403): the run stops, naming the permissions to grant", async () => {
    const { ledger } = ledgerWith([["DF-1", TOTP6]]);
    duo.forbidden = true;
    const report = await pushTokensToDuo(ledger, api(), ledger.listTokens());
    expect(report.stoppedBy?.code).toBe(40301);
    expect(report.stoppedBy?.message).toMatch(/Grant read resource.*Grant write resource/);
    expect(report.notReached).toEqual(["DF-1"]);
  });

  it("an answer that is not Duo's (a proxy's HTML page) stops the run with a clear error", async () => {
    const { ledger } = ledgerWith([["DX-1", TOTP6]]);
    duo.outage = true;
    const report = await pushTokensToDuo(ledger, api(), ledger.listTokens());
    expect(report.stoppedBy?.message).toMatch(/did not answer as Duo's Admin API does/);
    expect(ledger.serviceTokens("duo", duo.host).size).toBe(0);
  });

  it("no request carries the seed except the create, and no error message does", async () => {
    const { ledger, seeds } = ledgerWith([["DL-1", TOTP6]]);
    duo.addUser("carol");
    await pushTokensToDuo(ledger, api(), ledger.listTokens(), { assignments: parseAssignments("DL-1,carol") });
    const hex = Buffer.from(seeds.get("DL-1")!).toString("hex");
    const carrying = duo.log.filter((r) => JSON.stringify(r.params).includes(hex));
    expect(carrying.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /admin/v1/tokens"]);
  });
});

describe("duo status", () => {
  it("tells in-Duo, missing, deleted-in-Duo, unrecorded and not-for-Duo tokens apart, with their users", async () => {
    const { ledger } = ledgerWith([["DT-1", TOTP6], ["DT-2", TOTP6], ["DT-3", TOTP6], ["DT-4", TOTP6], ["DT-5", { ...TOTP6, digits: 7 }]]);
    const alice = duo.addUser("alice");
    await pushTokensToDuo(ledger, api(), ledger.listTokens().filter((t) => ["DT-1", "DT-3"].includes(t.serial)));
    duo.token("t6", "DT-1")!.users.push(alice.user_id);
    duo.tokens.delete(duo.token("t6", "DT-3")!.token_id); // deleted in the Admin Panel
    // DT-4 made in Duo by hand.
    duo.tokens.set("DHMANUAL", { token_id: "DHMANUAL", type: "t6", serial: "DT-4", secret: "00", totp_step: 30, counter: null, users: [] });
    duo.log.length = 0;
    const items = await duoStatus(ledger, api(), ledger.listTokens());
    expect(items.map((i) => [i.serial, i.state, i.users])).toEqual([
      ["DT-1", "in-duo", ["alice"]],
      ["DT-2", "missing", []],
      ["DT-3", "deleted-in-duo", []],
      ["DT-4", "in-duo-unrecorded", []],
      ["DT-5", "not-for-duo", []],
    ]);
    expect(duo.log.length).toBe(4); // one lookup per token Duo can take
    expect(duo.log.every((r) => r.method === "GET")).toBe(true);
  });
});
