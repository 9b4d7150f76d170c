/**
 * A chip with an unfinished provisioning (a pending ledger row) is finished with the profile
 * recorded for it. Asking for another profile used to be ignored silently (the token got the
 * recorded one); now it is refused before the token is touched, naming both and the way out.
 */
import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { cleanupHomes, newHome, readDuoFile, runCli } from "./support.js";

afterAll(cleanupHomes);

describe("provision on a chip with an unfinished provisioning", () => {
  it("refuses a different profile, changes nothing, and finishes when run as recorded", async () => {
    const home = newHome("pending");
    const ledgerPath = path.join(home, "ledger.sqlite");
    const out = path.join(home, "duo.txt");
    // `--port sim` is one board per data directory: its chip id is kept with its flash.
    const SIM_CHIP = JSON.parse((await runCli(["info", "--port", "sim", "--json"], { home })).stdout).id;
    expect(SIM_CHIP).toMatch(/^[0-9a-f]{12}$/);
    const ledger = openLedger(ledgerPath);
    ledger.recordPending("PEND-1", null, { label: "tokensmith", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 }, {
      managementKey: randomBytes(16),
      tokenId: SIM_CHIP,
      at: Math.floor(Date.now() / 1000),
    });
    ledger.close();

    const refused = await runCli(["provision", "--port", "sim", "--serial", "PEND-1", "--hotp", "--out", out], { home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unfinished provisioning as PEND-1 \(TOTP 6 digits 30 s SHA1\), not HOTP 6 digits SHA1, counter 0/);
    expect(refused.stderr).toMatch(/ledger forget PEND-1/);
    expect(readDuoFile(out)).toEqual([]);
    const info = await runCli(["info", "--port", "sim", "--json"], { home });
    expect(JSON.parse(info.stdout).state).toBe("unprovisioned");

    const finished = await runCli(["provision", "--port", "sim", "--serial", "PEND-1", "--out", out], { home });
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/provisioned PEND-1 .*, resumed/);
    expect(readDuoFile(out).map((l) => l.serial)).toEqual(["PEND-1"]);
  });
});
