/**
 * A token that lies (hardware/sim/liar.ts): it stores another seed than the one sent, or sends
 * a wrong VERIFY mac, with every frame's CRC valid. `provision` and `batch` must fail with exit
 * 1 and say why, and record nothing as provisioned: no import line, no provisioned row (the
 * pending row keeps the management key, so a re-run can take the token over again).
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { TokenRack } from "./rack.js";
import { cleanupHomes, newHome, runCli } from "./support.js";
import type { Lie } from "../../hardware/sim/liar.js";

const racks: TokenRack[] = [];

afterAll(async () => {
  for (const rack of racks.splice(0)) await rack.close();
  cleanupHomes();
});

async function lyingRack(lie: Lie) {
  const home = newHome(`liar-${lie}`);
  const ledgerPath = path.join(home, "ledger.sqlite");
  const rack = new TokenRack(1, { ledgerPath, token: { lie } });
  racks.push(rack);
  await rack.listen();
  return { home, ledgerPath, rack, out: path.join(home, "duo.txt") };
}

function ledgerRows(file: string) {
  const ledger = openLedger(file);
  try {
    return ledger.listTokens({}).map((t) => ({ serial: t.serial, state: t.state }));
  } finally {
    ledger.close();
  }
}

describe.each(["seed", "mac"] as const)("a token that lies (%s)", (lie) => {
  it("provision fails with exit 1, says the proof does not match, and records nothing as provisioned", async () => {
    const { home, ledgerPath, rack, out } = await lyingRack(lie);
    const run = await runCli(["provision", "--port", rack.address, "--prefix", "LIE-", "--out", out], { home });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/profile 1: the token's proof does not match the seed sent/);
    expect(existsSync(out) ? readFileSync(out, "utf8") : "").not.toMatch(/LIE-/);
    expect(ledgerRows(ledgerPath)).toEqual([{ serial: "LIE-000001", state: "pending" }]);
  });

  it("batch fails with exit 1 on it and writes no import line", async () => {
    const { home, ledgerPath, rack, out } = await lyingRack(lie);
    const run = await runCli(["batch", "--port", rack.address, "--count", "1", "--prefix", "LIB-", "--out", out, "--wait", "3"], { home });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/proof does not match/);
    expect(existsSync(out) ? readFileSync(out, "utf8") : "").not.toMatch(/LIB-/);
    expect(ledgerRows(ledgerPath).filter((t) => t.state === "provisioned")).toEqual([]);
  });
});
