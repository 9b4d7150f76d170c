/**
 * What stays in the token's flash. Re-provisioning never compacts (a compaction is not
 * power-safe), so the previous seed leaves the live files at once but stays in a flash dump
 * until Storage next compacts; a wipe compacts and leaves no seed at all.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, bootToken, totpProfile } from "./support.js";

type Token = ReturnType<typeof bootToken>["token"];

/** Whether a flash dump (erased files included) contains the seed. */
function flashHolds(token: Token, secret: Uint8Array): boolean {
  return Buffer.from(token.flash.rawImage()).includes(Buffer.from(secret));
}

/** Whether any live file holds it. */
function filesHold(token: Token, secret: Uint8Array): boolean {
  return token.flash.list().some((name) => Buffer.from(token.flash.readBytes(name)!).includes(Buffer.from(secret)));
}

describe("flash hygiene", () => {
  it("after a re-provisioning the previous seed is in no file, and nothing was compacted", async () => {
    const { token, client } = bootToken();
    const first = randomBytes(20);
    const second = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(first)]);
    await client.provision("TS-1", MKEY, [totpProfile(first, { label: "again" })], MKEY); // both slots used
    expect(filesHold(token, first)).toBe(true);
    await client.provision("TS-2", MKEY, [totpProfile(second)], MKEY);
    expect(filesHold(token, second)).toBe(true);
    expect(filesHold(token, first)).toBe(false);
    expect(token.flash.compactions).toBe(0);
    // What SECURITY.md says: until Storage compacts, a flash dump still shows it.
    expect(flashHolds(token, first)).toBe(true);
  });

  it("after a wipe no seed is left, not even in a flash dump", async () => {
    const { token, client } = bootToken();
    const secret = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(secret)]);
    await client.provision("TS-1", MKEY, [totpProfile(secret)], MKEY);
    await client.wipe(MKEY);
    expect(flashHolds(token, secret)).toBe(false);
    expect((await client.hello()).state).toBe("unprovisioned");
  });

  it("normal use never compacts: presses, clock steps, nonces and re-provisioning on a roomy flash", async () => {
    const { token, client } = bootToken({ flashCapacity: 896 * 1024 });
    await client.provision("TS-1", MKEY, [{ label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 0, secret: randomBytes(20) }]);
    for (let i = 0; i < 200; i++) {
      token.press();
      token.advanceMs(300);
      await client.request("NONCE");
    }
    await client.provision("TS-1", MKEY, [totpProfile(randomBytes(20))], MKEY);
    expect(token.flash.compactions).toBe(0);
  });
});

describe("compaction, modelled as Espruino does it, with the power cut inside", () => {
  it("a cut every 97 bytes through the wipe's compaction: never a record back, never a seed in a file", async () => {
    const secret = randomBytes(20);
    const { token, client } = bootToken({ preinstallFirmware: "storage" });
    await client.provision("TS-1", MKEY, [totpProfile(secret)]);
    await client.provision("TS-1", MKEY, [totpProfile(secret)], MKEY);
    const moved = token.flash.getStats().fileBytes; // at most what a compaction rewrites
    let cuts = 0;
    for (let k = 0; k < moved; k += 97) {
      const rig = bootToken({ preinstallFirmware: "storage" });
      await rig.client.provision("TS-1", MKEY, [totpProfile(secret)]);
      await rig.client.provision("TS-1", MKEY, [totpProfile(secret)], MKEY);
      const compactionsBefore = rig.token.flash.compactions;
      const wipe = rig.client.wipe(MKEY).catch((error: unknown) => error);
      // Arm after the WIPE's erase markers: the cut falls inside the compaction.
      rig.token.flash.armPowerCut(8 + k);
      await wipe;
      // Only cuts that fell inside the compaction count here (the power-cut suite has the rest).
      if (rig.token.flash.compactions === compactionsBefore || !rig.token.flash.wasCut()) continue;
      cuts++;
      expect(filesHold(rig.token, secret), `cut after ${8 + k} bytes`).toBe(false);
      expect(rig.token.flash.list().filter((n) => n.startsWith("tsrec"))).toEqual([]);
    }
    expect(cuts).toBeGreaterThan(0);
  });
});
