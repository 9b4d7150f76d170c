/**
 * What stays in the token's flash. Re-provisioning never compacts (a compaction is not
 * power-safe), so the previous seed leaves the live files at once but stays in a flash dump
 * until Storage next compacts; a wipe compacts and leaves no seed at all.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, ask, authFor, bootToken, sendRaw, totpProfile, wireFrame } from "./support.js";

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
  async function provisionedTwice(secret: Uint8Array, firmwareInStorage: boolean) {
    const rig = bootToken({ preinstallFirmware: firmwareInStorage ? "storage" : true });
    await rig.client.provision("TS-1", MKEY, [totpProfile(secret)]);
    await rig.client.provision("TS-1", MKEY, [totpProfile(secret)], MKEY);
    await rig.client.request("NONCE"); // the counter file sits after the records' trash: it moves
    return rig;
  }

  it("a cut at every byte of the wipe's compaction: never a record back, never a seed in a file", async () => {
    const secret = randomBytes(20);
    /** An authorised WIPE sent by hand (a cut leaves no answer to wait for). */
    const wipe = (token: Token, cutAfter?: number) => {
      const nonce = ask(token, "NONCE").get("nonce")!;
      if (cutAfter !== undefined) token.flash.armPowerCut(cutAfter);
      return sendRaw(token, wireFrame(9, "WIPE", [["auth", authFor(MKEY, nonce, "WIPE", [])]]));
    };
    // What the compaction programs: what the WIPE programs after its two erase markers.
    const probe = await provisionedTwice(secret, false);
    const before = probe.token.flash.bytesWrittenTotal;
    expect(wipe(probe.token)).toHaveLength(1);
    expect(probe.token.flash.compactions).toBe(1);
    const compactionBytes = probe.token.flash.bytesWrittenTotal - before - 1 - 8;
    expect(compactionBytes).toBeGreaterThan(32);
    let cuts = 0;
    for (let k = 0; k < compactionBytes; k++) {
      const rig = await provisionedTwice(secret, false);
      expect(wipe(rig.token, 8 + k), `cut after ${k} bytes: no answer`).toEqual([]);
      if (!rig.token.flash.wasCut() || rig.token.flash.compactions !== 1) continue;
      cuts++;
      expect(filesHold(rig.token, secret), `cut after ${k} bytes of the compaction`).toBe(false);
      expect(rig.token.flash.list().filter((n) => n.startsWith("tsrec"))).toEqual([]);
    }
    expect(cuts).toBeGreaterThan(compactionBytes - 8);
  });

  // A mutation run's firmware carries Stryker's switches for every mutant: too big for Storage.
  const instrumented = process.env.TOKENSMITH_SIM_FIRMWARE === "source";
  it.skipIf(instrumented)(`the firmware, written before any record, is not moved by a wipe's compaction${instrumented ? " (SKIPPED: firmware from the sources, see hardware/sim/firmware-from-source.ts)" : ""}`, async () => {
    const rig = await provisionedTwice(randomBytes(20), true);
    const moved = rig.token.flash.bytesCompacted;
    await rig.client.wipe(MKEY);
    expect(rig.token.flash.compactions).toBe(1);
    expect(rig.token.flash.bytesCompacted - moved).toBeLessThan(1024);
    expect(rig.token.flash.list()).toContain(".bootcde");
  });
});
