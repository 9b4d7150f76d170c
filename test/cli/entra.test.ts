/**
 * `tokensmith entra push` as an administrator runs it: tokens provisioned with --escrow on a
 * rack of simulated tokens, then created, assigned and activated in the local fake of
 * Microsoft's sign-in service and Graph (test/services/fake-entra.ts) in one command. The CLI
 * trusts the fake's throwaway CA through NODE_EXTRA_CA_CERTS and is pointed at it with
 * --authority-host/--graph-url (the options a sovereign cloud or a proxy would use).
 *
 * Checked: the fake accepted each activation code by its own TOTP computation, and the secret
 * it holds gives the code the simulated token shows; Graph's ids are in the ledger; a re-run
 * changes nothing; throttling is waited out; bad input and bad credentials are refused with
 * nothing half-done and the secret never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { decodeBase32 } from "../export/support.js";
import { FakeEntra } from "../services/fake-entra.js";
import { makeTestPki, removePki, type TestPki } from "../services/pki.js";
import { TokenRack } from "./rack.js";
import { cleanupHomes, newHome, oracle, runCli, shownCode, type CliResult } from "./support.js";

const PASSPHRASE = "escrow passphrase for the entra tests";

let home: string;
let rack: TokenRack;
let pki: TestPki;
let entra: FakeEntra;

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, {
    home,
    env: {
      TOKENSMITH_ESCROW_PASSPHRASE: PASSPHRASE,
      NODE_EXTRA_CA_CERTS: pki.caFile,
      TOKENSMITH_ENTRA_TENANT_ID: entra.tenantId,
      TOKENSMITH_ENTRA_CLIENT_ID: entra.clientId,
      TOKENSMITH_ENTRA_CLIENT_SECRET: entra.clientSecret,
      TOKENSMITH_ENTRA_AUTHORITY_HOST: entra.authorityHost,
      TOKENSMITH_GRAPH_URL: entra.graphUrl,
      ...env,
    },
  });
}

async function ok(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const run = await cli(args, env);
  expect(run.code, `tokensmith ${args.join(" ")}: ${run.stderr}`).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(entra.clientSecret);
  return run;
}

const tokenOf = (serial: string) => rack.tokenWithSerial(serial);

const graphPosts = () => entra.log.filter((r) => r.method === "POST").length;

beforeAll(async () => {
  home = newHome("entra");
  pki = makeTestPki("localhost");
  entra = new FakeEntra(pki);
  await entra.start();
  entra.addUser("ada@example.com");
  entra.addUser("grace@example.com");
  entra.addUser("linus@example.com");
  rack = new TokenRack(5, { ledgerPath: path.join(home, "ledger.sqlite") });
  await rack.listen();
  await ok(["batch", "--port", rack.address, "--count", "3", "--prefix", "EA-", "--escrow", "--wait", "5"]);
  await ok(["provision", "--port", rack.address, "--prefix", "EB-", "--algorithm", "SHA256", "--period", "60", "--escrow"]);
  await ok(["provision", "--port", rack.address, "--prefix", "EC-", "--digits", "8", "--escrow"]);
}, 120_000);

afterAll(async () => {
  await rack?.close();
  await entra?.stop();
  if (pki) removePki(pki);
  cleanupHomes();
});

describe("tokensmith entra push", () => {
  it("refuses, before Microsoft is asked anything, a token Entra cannot take (8 digits)", async () => {
    const run = await cli(["entra", "push", "--serial", "EA-000001", "EC-000001", "--upn", "ada@example.com"]);
    expect(run.code).toBe(2);
    const refused = await cli(["entra", "push", "--serial", "EC-000001"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/nothing was sent to Microsoft[\s\S]*EC-000001.*8 digits/);
    expect(entra.log).toEqual([]);
    expect(entra.devices.size).toBe(0);
  }, 60_000);

  it("one command creates, assigns and activates (SHA-1 and SHA-256); the activation codes and the secrets Entra holds match the tokens", async () => {
    const map = path.join(home, "upns.csv");
    writeFileSync(map, "serial,upn\nEA-000001,ada@example.com\nEA-000002,nobody@example.com\nEB-000001,grace@example.com\n");
    const run = await cli(["entra", "push", "--serial", "EA-000001", "EA-000002", "EA-000003", "EB-000001", "--upn-map", map, "--keep-client-secret"]);
    expect(run.code, run.stderr).toBe(1); // EA-000002's user does not exist
    expect(run.stdout + run.stderr).not.toContain(entra.clientSecret);
    expect(run.stderr).toMatch(/beta/);
    expect(run.stderr).toMatch(/EA-000001: created, assigned to ada@example.com, activated/);
    expect(run.stderr).toMatch(/EA-000002: Entra ID has no user nobody@example.com.*nothing was created/);
    expect(run.stderr).toMatch(/EA-000003: created, left unassigned/);
    expect(run.stderr).toMatch(/EB-000001: created, assigned to grace@example.com, activated/);
    expect(entra.deviceBySerial("EA-000002")).toBeUndefined();

    expect(entra.activations.map((a) => [a.serial, a.accepted])).toEqual([["EA-000001", true], ["EB-000001", true]]);
    for (const [serial, algorithm, period] of [["EA-000001", "SHA1", 30], ["EB-000001", "SHA256", 60], ["EA-000003", "SHA1", 30]] as const) {
      const device = entra.deviceBySerial(serial)!;
      expect(device.hashFunction).toBe(algorithm === "SHA256" ? "hmacsha256" : "hmacsha1");
      expect(device.timeIntervalInSeconds).toBe(period);
      const shown = shownCode(tokenOf(serial), period);
      expect(shown.code, `${serial}: Entra's secret gives the shown code`).toBe(oracle(decodeBase32(device.secretKey), shown.time, { digits: 6, period, algorithm }));
    }
    const ledger = openLedger(path.join(home, "ledger.sqlite"));
    try {
      const recorded = ledger.serviceTokens("entra", entra.tenantId);
      expect([...recorded.values()].map((r) => [r.serial, r.remoteId, r.assignedTo, r.activatedAt !== null])).toEqual([
        ["EA-000001", entra.deviceBySerial("EA-000001")!.id, "ada@example.com", true],
        ["EA-000003", entra.deviceBySerial("EA-000003")!.id, null, false],
        ["EB-000001", entra.deviceBySerial("EB-000001")!.id, "grace@example.com", true],
      ]);
    } finally {
      ledger.close();
    }
  }, 60_000);

  it("a re-run with the user fixed creates only what is missing; another re-run sends nothing (the client secret from the escrow)", async () => {
    const map = path.join(home, "upns.csv");
    writeFileSync(map, "serial,upn\nEA-000001,ada@example.com\nEA-000002,linus@example.com\nEB-000001,grace@example.com\n");
    const args = ["entra", "push", "--serial", "EA-000001", "EA-000002", "EA-000003", "EB-000001", "--upn-map", map, "--json"];
    const second = JSON.parse((await ok(args, { TOKENSMITH_ENTRA_CLIENT_SECRET: undefined })).stdout);
    expect(second.tokens.map((t: { serial: string; outcome: string; activation?: string }) => [t.serial, t.outcome, t.activation ?? null])).toEqual([
      ["EA-000001", "already-pushed", "already-activated"],
      ["EA-000002", "created", "activated"],
      ["EA-000003", "already-pushed", "not-assigned"],
      ["EB-000001", "already-pushed", "already-activated"],
    ]);
    const posts = graphPosts();
    const third = JSON.parse((await ok(args, { TOKENSMITH_ENTRA_CLIENT_SECRET: undefined })).stdout);
    expect(third.created).toBe(0);
    expect(graphPosts()).toBe(posts);
  }, 60_000);

  it("Graph's throttling (429 with Retry-After) is waited out, and the run completes", async () => {
    entra.throttleNext = 2;
    const run = await ok(["entra", "push", "--serial", "EA-000003", "--upn", "ada@example.com", "--json"]);
    const report = JSON.parse(run.stdout);
    expect(report.throttled).toBe(2);
    expect(report.tokens[0]).toMatchObject({ serial: "EA-000003", outcome: "already-pushed", assignment: "assigned", activation: "activated" });
    expect(entra.deviceBySerial("EA-000003")!.status).toBe("activated");
  }, 60_000);

  it("a wrong client secret: exit 1, Microsoft's reason, nothing created, the secret not printed", async () => {
    const devices = entra.devices.size;
    const run = await cli(["entra", "push", "--serial", "EA-000001"], { TOKENSMITH_ENTRA_CLIENT_SECRET: "wrong-secret-value-123" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/AADSTS7000215[\s\S]*check the tenant, the client id and the client secret/);
    expect(run.stdout + run.stderr).not.toContain("wrong-secret-value-123");
    expect(entra.devices.size).toBe(devices);
  }, 60_000);

  it("an app registration without the permissions: exit 1, the permissions to grant named, nothing created", async () => {
    entra.forbidden = true;
    try {
      const devices = entra.devices.size;
      const run = await cli(["entra", "push", "--serial", "EA-000001"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/HTTP 403 Authorization_RequestDenied.*grant Policy\.ReadWrite\.AuthenticationMethod, User\.Read\.All and UserAuthenticationMethod\.ReadWrite\.All/);
      expect(entra.devices.size).toBe(devices);
    } finally {
      entra.forbidden = false;
    }
  }, 60_000);
});
