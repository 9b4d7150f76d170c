/**
 * Two processes on one ledger file, and processes killed mid-provisioning: what a batch run
 * interrupted by a crash or a second CLI run leaves behind.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openLedger } from "../../host/ledger/ledger.js";
import { TEST_COST, runWorker, tempDir, track } from "./support.js";

describe("across processes", () => {
  it("two processes reserving at the same time get distinct, gap-free serials", async () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    track(openLedger(file, { scryptCost: TEST_COST })).close(); // created and migrated
    const barrier = tempDir();
    const [a, b] = await Promise.all([runWorker(["reserve", file, "40", "3", barrier, "a"]), runWorker(["reserve", file, "40", "3", barrier, "b"])]);
    expect(a.stderr + b.stderr).toBe("");
    expect([a.code, b.code]).toEqual([0, 0]);
    const got = [...a.stdout.trim().split("\n"), ...b.stdout.trim().split("\n")];
    expect(got).toHaveLength(240);
    expect(new Set(got).size).toBe(240);
    expect([...got].sort()).toEqual(Array.from({ length: 240 }, (_, i) => "TS-" + String(i + 1).padStart(6, "0")));
    // The two really took turns (otherwise this test would prove nothing about concurrency).
    const numbers = a.stdout.trim().split("\n").map((s) => Number(s.slice(3)));
    expect(Math.max(...numbers) - Math.min(...numbers) + 1).toBeGreaterThan(numbers.length);
  });

  it("a crash between pending and provisioned leaves a pending row with its management key; a re-run finishes it", async () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const crashed = await runWorker(["crash-after-pending", file]);
    expect(crashed.signal).toBe("SIGKILL");
    const ledger = track(openLedger(file, { scryptCost: TEST_COST }));
    const [batch] = ledger.unfinishedBatches();
    expect(batch).toMatchObject({ planned: 2, pending: 1, provisioned: 0, remaining: 1 });
    const [pending] = ledger.listTokens({ batchId: batch.id, state: "pending" });
    expect(pending.serial).toBe("TS-000001");
    // The re-run re-provisions the token with the key it already holds, then commits.
    const key = ledger.managementKey(pending.serial)!;
    expect(Buffer.from(key)).toEqual(Buffer.alloc(32, 7));
    ledger.recordProvisioned(pending.serial, { tokenId: "chip-1", firmware: "1.0.0", managementKey: key });
    expect(ledger.batchSummary(batch.id)).toMatchObject({ pending: 0, provisioned: 1, remaining: 1 });
    expect(ledger.reserveSerials("TS-", 1)).toEqual(["TS-000002"]);
  });

  it("a crash inside recordProvisioned's transaction leaves no half row, and no lock", async () => {
    const file = path.join(tempDir(), "ledger.sqlite");
    const setup = track(openLedger(file, { scryptCost: TEST_COST }));
    setup.recordPending("TS-000001", null, { label: "x", kind: "totp", algorithm: "SHA1", digits: 6 });
    setup.close();
    const crashed = await runWorker(["crash-inside-provisioned", file, "TS-000001"]);
    expect(crashed.signal).toBe("SIGKILL");
    expect(crashed.stdout).toBe("");
    const ledger = track(openLedger(file, { scryptCost: TEST_COST, busyTimeoutMs: 1000 }));
    expect(ledger.getToken("TS-000001")).toMatchObject({ state: "pending", tokenId: null, firmware: null, hasManagementKey: false, hasEscrowedSeed: false });
    ledger.recordProvisioned("TS-000001", { tokenId: "chip-1", firmware: "1.0.0", managementKey: new Uint8Array(32).fill(1) });
    expect(ledger.getToken("TS-000001")!.state).toBe("provisioned");
  });
});
