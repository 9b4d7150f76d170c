/**
 * As a malicious device on the host's cable (issue: Security v2, finding 4): a device that
 * answers HELLO with a ledger token's serial must not be signed for. `wipe`, `time sync` and a
 * resumed re-provisioning first check the chip id against the ledger and ask for a proof of
 * the management key; a device that fails either is refused, and the ledger and the real
 * token are left exactly as they were.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { bootToken, totpProfile } from "./support.js";
import { tempLedger, TOTP } from "../ledger/support.js";
import type { ProfileChoice } from "../../host/provision/job.js";
import { provisionWithLedger } from "../../host/provision/job.js";
import { IdentityError, syncClock, wipeToken } from "../../host/device/maintenance.js";
import type { Ledger } from "../../host/ledger/ledger.js";
import type { TokenClient } from "../../host/device/client.js";

const REAL_CHIP = "3c71bf0a1e24";
const PROFILE: ProfileChoice = { label: "alice", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 };

async function realToken(ledger: Ledger): Promise<{ serial: string; client: TokenClient }> {
  const rig = bootToken({ deviceId: REAL_CHIP });
  const done = await provisionWithLedger(
    rig.client,
    { ledger, importFile: null, escrow: false, profile: PROFILE, now: () => Math.floor(rig.token.clock.nowMs() / 1000) },
    null,
    () => "TS-000001",
  );
  return { serial: done.serial, client: rig.client };
}

/** A device of the attacker's: a real firmware, provisioned by them, claiming `serial` on `chip`. */
async function fakeDevice(serial: string, chip: string) {
  const rig = bootToken({ deviceId: chip });
  await rig.client.provision(serial, randomBytes(32), [totpProfile(randomBytes(20))]);
  return rig;
}

function ledgerView(ledger: Ledger, serial: string) {
  const t = ledger.getToken(serial)!;
  return { state: t.state, tokenId: t.tokenId, key: Buffer.from(ledger.managementKey(serial) ?? []).toString("hex"), syncs: ledger.clockSyncs(serial).length };
}

describe("as a fake device claiming a ledger token's serial", () => {
  it.each([
    ["another chip id", "246f28000001", /on chip 246f28000001.*ledger has TS-000001 on chip 3c71bf0a1e24/],
    ["the real token's chip id, copied", REAL_CHIP, /cannot prove it holds that token's management key/],
  ])("with %s: wipe and time sync refuse, sign nothing, and change nothing", async (_, chip, message) => {
    const ledger = tempLedger();
    const real = await realToken(ledger);
    const before = ledgerView(ledger, real.serial);
    const fake = await fakeDevice(real.serial, chip);
    const sent = fake.token.uartLog.length;
    await expect(wipeToken(fake.client, ledger)).rejects.toThrow(IdentityError);
    await expect(wipeToken(fake.client, ledger)).rejects.toThrow(message);
    await expect(syncClock(fake.client, ledger, () => 1795348800)).rejects.toThrow(message);
    expect(ledgerView(ledger, real.serial)).toEqual(before);
    // Nothing signed: the fake device never even issued a nonce for us.
    const answers = fake.token.uartLog.slice(sent).join("");
    expect(answers).not.toMatch(/ nonce=/);
    // The real token still answers to its key.
    expect((await real.client.hello()).state).toBe("ready");
    expect(await wipeToken(real.client, ledger)).toBe(real.serial);
    expect(ledger.getToken(real.serial)!.state).toBe("wiped");
  });

  it("a resumed provisioning is not signed for a chip that cannot prove the pending key", async () => {
    const ledger = tempLedger();
    // The real chip's provisioning was interrupted after the ledger stored its pending row.
    ledger.recordPending("TS-000007", null, TOTP, { managementKey: new Uint8Array(randomBytes(32)), tokenId: REAL_CHIP, at: 1795348800 });
    const fake = await fakeDevice("TS-000007", REAL_CHIP);
    await expect(
      provisionWithLedger(
        fake.client,
        { ledger, importFile: null, escrow: false, profile: PROFILE, now: () => Math.floor(fake.token.clock.nowMs() / 1000) },
        null,
        () => "TS-000099",
      ),
    ).rejects.toThrow(/cannot prove it holds the key of TS-000007/);
    expect(ledger.getToken("TS-000007")!.state).toBe("pending");
  });
});
