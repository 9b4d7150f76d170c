/**
 * `tokensmith duo push` and `duo status` as an administrator runs them: tokens provisioned with
 * --escrow on a rack of simulated tokens, then pushed in one command into the local fake of
 * Duo's Admin API (test/services/fake-duo.ts, HTTPS, every signature checked) and attached per
 * --assign. The CLI process reaches the fake through a test-only preload that redirects its
 * HTTPS connections (test/services/https-redirect.mjs); nothing else in it is changed.
 *
 * Checked: the code each simulated token shows equals the code computed from the secret Duo
 * received; Duo's token_ids are in the ledger; a re-run changes nothing; the secret key comes
 * from the environment or the escrow, never argv, and never appears in the output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { FakeDuo } from "../services/fake-duo.js";
import { makeTestPki, removePki, type TestPki } from "../services/pki.js";
import { TokenRack } from "./rack.js";
import { cleanupHomes, newHome, oracle, repoRoot, runCli, shownCode, type CliResult } from "./support.js";

const PASSPHRASE = "escrow passphrase for the duo tests";
const redirect = path.join(repoRoot, "test/services/https-redirect.mjs");

let home: string;
let rack: TokenRack;
let pki: TestPki;
let duo: FakeDuo;
let port: number;

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, {
    home,
    preload: [redirect],
    env: {
      TOKENSMITH_ESCROW_PASSPHRASE: PASSPHRASE,
      TOKENSMITH_TEST_HTTPS_TARGET: `127.0.0.1:${port}`,
      TOKENSMITH_TEST_HTTPS_CA: pki.caFile,
      TOKENSMITH_DUO_API_HOST: duo.host,
      TOKENSMITH_DUO_INTEGRATION_KEY: duo.integrationKey,
      TOKENSMITH_DUO_SECRET_KEY: duo.secretKey,
      ...env,
    },
  });
}

async function ok(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const run = await cli(args, env);
  expect(run.code, `tokensmith ${args.join(" ")}: ${run.stderr}`).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(duo.secretKey);
  return run;
}

const tokenOf = (serial: string) => rack.tokenWithSerial(serial);

beforeAll(async () => {
  home = newHome("duo");
  pki = makeTestPki("api-fake.duo.test");
  duo = new FakeDuo(pki);
  port = await duo.start();
  duo.addUser("ada");
  duo.addUser("grace");
  rack = new TokenRack(3, { ledgerPath: path.join(home, "ledger.sqlite") });
  await rack.listen();
  await ok(["batch", "--port", rack.address, "--count", "2", "--prefix", "DU-", "--escrow", "--wait", "5"]);
  await ok(["provision", "--port", rack.address, "--prefix", "DV-", "--digits", "8", "--period", "60", "--escrow"]);
}, 120_000);

afterAll(async () => {
  await rack?.close();
  await duo?.stop();
  if (pki) removePki(pki);
  cleanupHomes();
});

describe("tokensmith duo", () => {
  it("push: one command creates every token, attaches them per --assign, and the secrets Duo holds give the codes the tokens show", async () => {
    const assign = path.join(home, "assign.csv");
    writeFileSync(assign, "serial,username\nDU-000001,ada\nDU-000002,grace\nDV-000001,admin:helpdesk@example.com\n");
    const run = await ok(["duo", "push", "--assign", assign, "--keep-secret-key"]);
    expect(run.stderr).toMatch(/\[1\/3\] DU-000001 \(t6\): created, attached to ada/);
    expect(run.stderr).toMatch(/\[3\/3\] DV-000001 \(t8\): created, for admin:helpdesk@example.com/);
    expect(run.stdout).toMatch(/Admin API cannot attach a hardware token to an administrator[\s\S]*DV-000001 -> helpdesk@example.com/);
    expect(run.stdout).toMatch(/3 created, 0 already there, 2 attached, 0 failed/);

    for (const [serial, type, digits, period] of [["DU-000001", "t6", 6, 30], ["DU-000002", "t6", 6, 30], ["DV-000001", "t8", 8, 60]] as const) {
      const held = duo.token(type, serial);
      expect(held, `${serial} in Duo`).toBeDefined();
      const shown = shownCode(tokenOf(serial), period);
      expect(shown.code, `${serial}: Duo's secret gives the shown code`).toBe(oracle(Buffer.from(held!.secret, "hex"), shown.time, { digits, period }));
    }
    expect(duo.token("t6", "DU-000002")!.users.map((id) => duo.users.get(id)!.username)).toEqual(["grace"]);

    const ledger = openLedger(path.join(home, "ledger.sqlite"));
    try {
      const recorded = ledger.serviceTokens("duo", duo.host);
      expect([...recorded.values()].map((r) => [r.serial, r.remoteId, r.assignedTo])).toEqual([
        ["DU-000001", duo.token("t6", "DU-000001")!.token_id, "ada"],
        ["DU-000002", duo.token("t6", "DU-000002")!.token_id, "grace"],
        ["DV-000001", duo.token("t8", "DV-000001")!.token_id, null],
      ]);
    } finally {
      ledger.close();
    }
  }, 60_000);

  it("a re-run changes nothing (no POST), taking the secret key from the escrow this time", async () => {
    const posts = duo.log.filter((r) => r.method === "POST").length;
    const run = await ok(["duo", "push", "--json"], { TOKENSMITH_DUO_SECRET_KEY: undefined });
    const report = JSON.parse(run.stdout);
    expect(report.created).toBe(0);
    expect(report.alreadyInDuo).toBe(3);
    expect(report.tokens.map((t: { outcome: string }) => t.outcome)).toEqual(["already-pushed", "already-pushed", "already-pushed"]);
    expect(duo.log.filter((r) => r.method === "POST").length).toBe(posts);
  }, 60_000);

  it("status: which tokens are in Duo and whose they are; a token deleted in Duo shows as missing, and push puts it back", async () => {
    const gone = duo.token("t6", "DU-000002")!;
    duo.tokens.delete(gone.token_id);
    const status = JSON.parse((await ok(["duo", "status", "--json"])).stdout);
    expect(status.tokens.map((t: { serial: string; state: string; users: string[] }) => [t.serial, t.state, t.users])).toEqual([
      ["DU-000001", "in-duo", ["ada"]],
      ["DU-000002", "deleted-in-duo", []],
      ["DV-000001", "in-duo", []],
    ]);
    expect(status.missing).toEqual(["DU-000002"]);
    const text = await ok(["duo", "status"]);
    expect(text.stdout).toMatch(/2 of 3 in Duo api-fake\.duo\.test; missing: DU-000002/);

    await ok(["duo", "push", "--serial", "DU-000002"]);
    expect(duo.token("t6", "DU-000002")).toBeDefined();
    expect(duo.token("t6", "DU-000002")!.token_id).not.toBe(gone.token_id);
  }, 60_000);

  it("bad input is refused before Duo is asked: a malformed assignment file, a missing hostname, a URL for a hostname", async () => {
    const before = duo.log.length;
    const bad = path.join(home, "bad-assign.csv");
    writeFileSync(bad, "DU-000001\n-X,ada\n");
    const badFile = await cli(["duo", "push", "--assign", bad]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/line 1: expected "serial,username"[\s\S]*line 2: "-X" is not a token serial/);
    const noHost = await cli(["duo", "status"], { TOKENSMITH_DUO_API_HOST: undefined });
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toMatch(/--api-host/);
    const url = await cli(["duo", "status", "--api-host", "https://api-fake.duo.test/admin"]);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/no https:\/\//);
    expect(duo.log.length).toBe(before);
  }, 60_000);

  it("a wrong secret key: exit 1, a message saying what to check, nothing created and the key not kept", async () => {
    duo.tokens.clear();
    const run = await cli(["duo", "push", "--keep-secret-key"], { TOKENSMITH_DUO_SECRET_KEY: "wrong-secret-key-0000000000000000000000" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/40103.*check the integration key and secret key/);
    expect(run.stdout + run.stderr).not.toContain("wrong-secret-key");
    expect(duo.tokens.size).toBe(0);
    // The escrow still holds the right key from the first test.
    const rerun = await ok(["duo", "push"], { TOKENSMITH_DUO_SECRET_KEY: undefined });
    expect(rerun.stdout).toMatch(/3 created/);
  }, 60_000);
});
