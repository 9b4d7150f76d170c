/**
 * A batch that must stop for the operator after it has done some tokens ends as a batch
 * stopped part-way (interrupted, with the reason), not as "bad input, nothing done": the
 * command then exits 1, not 2, and its output counts what was done.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SimulatedToken } from "../../hardware/sim/token.js";
import { ImportFile, InputError, openLedger, runBatch, SimTransport, TokenClient, type Ledger } from "../../host/index.js";

let dir: string;
let ledger: Ledger;

afterEach(() => {
  ledger?.close();
  rmSync(dir, { recursive: true, force: true });
});

function source(tokens: SimulatedToken[]) {
  let next = 0;
  return async () => {
    const token = tokens[next++];
    if (token === undefined) return null;
    token.powerOn();
    const transport = new SimTransport(token);
    const client = new TokenClient(transport, { timeoutMs: 500, retries: 1 });
    return { client, release: async () => void client.close() };
  };
}

const profile = { label: "Stop", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 } as const;

describe("a batch stopped part-way", () => {
  it("after one token, a lying token keeps the last serial pending: the next token stops the batch, with the reason", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "ts-batch-stop-"));
    ledger = openLedger(path.join(dir, "ledger.sqlite"));
    const settings = { ledger, profile, importFile: new ImportFile(path.join(dir, "duo.txt"), "duo"), escrow: false, now: () => Math.floor(Date.now() / 1000) };
    const tokens = [new SimulatedToken(), new SimulatedToken({ lie: "mac" }), new SimulatedToken()];
    const outcome = await runBatch(settings, { prefix: "ST-", count: 2 }, source(tokens), () => undefined, () => false);
    expect(outcome).toMatchObject({ planned: 2, provisioned: 1, pending: ["ST-000002"], interrupted: true });
    expect(outcome.stoppedBecause).toMatch(/every serial of batch \d+ is taken by a token still pending \(ST-000002\)/);
  });

  it("with nothing done yet, bad input is still thrown as bad input", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "ts-batch-stop-"));
    ledger = openLedger(path.join(dir, "ledger.sqlite"));
    const settings = { ledger, profile, importFile: new ImportFile(path.join(dir, "duo.txt"), "duo"), escrow: false, now: () => Math.floor(Date.now() / 1000) };
    const tokens = [new SimulatedToken({ lie: "mac" }), new SimulatedToken()];
    await expect(runBatch(settings, { prefix: "SN-", count: 1 }, source(tokens), () => undefined, () => false)).rejects.toThrow(InputError);
  });
});
