/**
 * What a person holding the simulated token sees, read off the display's pixels and checked
 * against otplib: codes across window boundaries for every parameter combination, with and
 * without native crypto; the clock-lost and needs-setup screens; profile cycling; HOTP.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, START, bootToken, longPress, nowOf, oracleHotp, oracleTotp, press, secretFor, totpProfile } from "./support.js";
import { litPixels, readCode } from "./display-reader.js";

const combos = [6, 8].flatMap((digits) =>
  [30, 60].flatMap((period) =>
    (["SHA1", "SHA256"] as const).flatMap((algorithm) => [true, false].map((nativeCrypto) => ({ digits, period, algorithm, nativeCrypto }))),
  ),
);

describe("a press shows the code otplib gives for the virtual time", () => {
  it.each(combos)("$digits digits, $period s, $algorithm, native crypto $nativeCrypto", async ({ digits, period, algorithm, nativeCrypto }) => {
    const { token, client } = bootToken({ nativeCrypto });
    const secret = randomBytes(algorithm === "SHA1" ? 20 : 32);
    await client.provision("TS-1", MKEY, [totpProfile(secret, { digits, period, algorithm })]);
    expect((await client.hello()).hash).toBe(nativeCrypto ? "native" : "pure");
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token), digits, period, algorithm));
    // Across the next two window boundaries, while the display stays on.
    for (let i = 0; i < 2; i++) {
      const left = period - (nowOf(token) % period);
      token.advance(left + 1);
      if (token.display.isOn() === false) press(token);
      expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token), digits, period, algorithm));
    }
  });

  it("the countdown bar shrinks with the seconds left", async () => {
    const { token, client } = bootToken();
    await client.provision("TS-1", MKEY, [totpProfile(randomBytes(20))]);
    press(token);
    const before = litPixels(token.display, 58, 64);
    token.advance(5);
    const after = litPixels(token.display, 58, 64);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
  });

  it("turns the display off after its idle time", async () => {
    const { token, client } = bootToken();
    await client.provision("TS-1", MKEY, [totpProfile(randomBytes(20))]);
    press(token);
    expect(token.display.isOn()).toBe(true);
    token.advance(31);
    expect(token.display.isOn()).toBe(false);
  });

  it("deep-sleeps when the host is not talking, and a press wakes it showing the code", async () => {
    const { token, client } = bootToken();
    const secret = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(secret)]);
    token.advance(200); // display off at 30 s; no host contact for 120 s: sleep
    expect(token.state).toBe("sleeping");
    const boots = token.bootCount;
    press(token);
    expect(token.bootCount).toBe(boots + 1);
    expect(token.state).toBe("running");
    expect(readCode(token.display)).toBe(oracleTotp(secret, nowOf(token)));
  });
});

describe("never a wrong code", () => {
  it("clock lost (coin cell out, then power lost): a message, no digits, until the host resyncs", async () => {
    const { token, client } = bootToken();
    const secret = randomBytes(20);
    await client.provision("TS-1", MKEY, [totpProfile(secret)]);
    token.batteryOut();
    token.powerOff();
    token.batteryIn();
    token.powerOn();
    press(token);
    expect(token.display.isOn()).toBe(true);
    expect(readCode(token.display)).toBeNull();
    expect((await client.hello()).state).toBe("clock_lost");
    // A lost clock may be set without authorisation: there is nothing to harvest.
    const real = START + 3600;
    await client.setTime(real, MKEY); // a provisioned token's lost clock needs the management key
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(secret, token.rtc.trueUnixSeconds()));
    expect(Math.abs(token.rtc.trueUnixSeconds() - real)).toBeLessThanOrEqual(1);
  });

  it("a DS3231 reading from before the firmware was released counts as a lost clock", async () => {
    const { token, client } = bootToken({ rtcUnixSeconds: 1577836800 }); // 2020-01-01
    await client.provision("TS-1", MKEY, [totpProfile(randomBytes(20))]);
    press(token);
    expect(readCode(token.display)).toBeNull();
    expect((await client.hello()).clockOk).toBe(false);
  });

  it("a record failing its CRC: needs setup, no digits", async () => {
    const { token, client } = bootToken();
    await client.provision("TS-1", MKEY, [totpProfile(randomBytes(20))]);
    for (const name of token.flash.list()) {
      const data = token.flash.read(name)!;
      const flipped = data.slice(0, 20) + String.fromCharCode(data.charCodeAt(20) ^ 1) + data.slice(21);
      token.flash.write(name, flipped);
    }
    token.powerOff();
    token.powerOn();
    press(token);
    expect(readCode(token.display)).toBeNull();
    expect((await client.hello()).state).toBe("needs_setup");
  });

  it("not set up: no digits, the chip id in HELLO", async () => {
    const { token, client } = bootToken({ deviceId: "a1b2c3d4e5f6" });
    press(token);
    expect(readCode(token.display)).toBeNull();
    const hello = await client.hello();
    expect(hello.state).toBe("unprovisioned");
    expect(hello.id).toBe("a1b2c3d4e5f6");
  });
});

describe("profiles and HOTP", () => {
  it("a long press moves to the next profile; HOTP advances on each press", async () => {
    const { token, client } = bootToken();
    const a = randomBytes(20);
    const b = randomBytes(32);
    const h = randomBytes(20);
    await client.provision("TS-1", MKEY, [
      totpProfile(a, { label: "Mail" }),
      totpProfile(b, { label: "VPN", algorithm: "SHA256", digits: 8, period: 60 }),
      { label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 5, secret: secretFor(h) },
    ]);
    expect((await client.hello()).labels).toEqual(["Mail", "VPN", "Door"]);
    press(token);
    expect(readCode(token.display)).toBe(oracleTotp(a, nowOf(token)));
    longPress(token);
    expect(readCode(token.display)).toBe(oracleTotp(b, nowOf(token), 8, 60, "SHA256"));
    longPress(token);
    expect(readCode(token.display)).toBeNull(); // HOTP: "press for next code"
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 5));
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 6));
    longPress(token);
    expect(readCode(token.display)).toBe(oracleTotp(a, nowOf(token))); // wraps to the first
  });

  it("the HOTP counter survives power loss and is never reused", async () => {
    const { token, client } = bootToken();
    const h = randomBytes(20);
    await client.provision("TS-1", MKEY, [{ label: "Door", kind: "hotp", algorithm: "SHA1", digits: 6, counter: 0, secret: secretFor(h) }]);
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 0));
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 1));
    token.powerOff();
    token.powerOn(); // the boot shows the label; the press advances
    press(token);
    expect(readCode(token.display)).toBe(oracleHotp(h, 2));
  });
});
