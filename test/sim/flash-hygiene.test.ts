/** What stays in the token's flash: no seed outlives a re-provisioning or a wipe. */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, bootToken, totpProfile } from "./support.js";

/** Whether a flash dump (erased files included) contains the seed. */
function flashHolds(token: ReturnType<typeof bootToken>["token"], secret: Uint8Array): boolean {
  return Buffer.from(token.flash.rawImage()).includes(Buffer.from(secret));
}

describe("flash hygiene", () => {
  it("after a re-provisioning the previous seed is gone from both record slots", async () => {
    const { token, client } = bootToken();
    const first = randomBytes(20);
    const second = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(first)]);
    await client.provision("TS-1", MKEY, [totpProfile(first, { label: "again" })], MKEY); // both slots used
    expect(flashHolds(token, first)).toBe(true);
    await client.provision("TS-2", MKEY, [totpProfile(second)], MKEY);
    expect(flashHolds(token, second)).toBe(true);
    expect(flashHolds(token, first)).toBe(false);
  });

  it("after a wipe no seed is left", async () => {
    const { token, client } = bootToken();
    const secret = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(secret)]);
    await client.provision("TS-1", MKEY, [totpProfile(secret)], MKEY);
    await client.wipe(MKEY);
    expect(flashHolds(token, secret)).toBe(false);
    expect((await client.hello()).state).toBe("unprovisioned");
  });
});
