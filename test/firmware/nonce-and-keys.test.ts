/**
 * Two small firmware modules by their specification, with node:crypto and otplib as oracles:
 * a nonce is the first 16 bytes of SHA-256("tokensmith-nonce " + chip id + " " + counter + " " +
 * 16 entropy bytes) (PROTOCOL.md, NONCE), and none is issued when the counter cannot advance;
 * a profile's key uses the platform's native SHA-1 for SHA-1 profiles only.
 */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { generateSync } from "otplib";
import { createFakeHal } from "./fake-hal.js";
import { newNonce } from "../../firmware/app/nonce.js";
import { hotpAt, prepareProfileKey } from "../../firmware/app/profile-codes.js";
import { COUNTER_FILE_A, TALLY_BYTES } from "../../firmware/store/counter.js";

describe("newNonce", () => {
  it("is SHA-256 of the chip id, the counter and the entropy, cut to 16 bytes; each call advances the counter", () => {
    const { hal } = createFakeHal();
    const entropy = Buffer.from(hal.randomBytes(16));
    for (const counter of [1, 2, 3]) {
      const seed = Buffer.concat([Buffer.from(`tokensmith-nonce ${hal.deviceId()} ${counter} `, "latin1"), entropy]);
      expect(newNonce(hal)).toBe(createHash("sha256").update(seed).digest().subarray(0, 16).toString("hex"));
    }
  });

  it("is empty (no nonce) when the counter cannot advance", () => {
    const handles = createFakeHal();
    handles.storage.set(COUNTER_FILE_A, "x".repeat(8 + TALLY_BYTES)); // not a counter file: starts over
    handles.flashFull = true;
    expect(newNonce(handles.hal)).toBe("");
  });
});

describe("prepareProfileKey", () => {
  const secret = "12345678901234567890";
  const nativeCalls: string[] = [];
  const nativeSha1 = (message: string) => {
    nativeCalls.push(message);
    return createHash("sha1").update(message, "latin1").digest("latin1");
  };

  it("a SHA-1 profile uses the native SHA-1; a SHA-256 one never does; both give otplib's codes", () => {
    for (const [algorithm, native] of [["SHA1", true], ["SHA256", false]] as const) {
      nativeCalls.length = 0;
      const profile = { label: "k", kind: "hotp" as const, algorithm, digits: 8, period: 0, counter: 0, secret };
      const key = prepareProfileKey(profile, nativeSha1);
      const code = hotpAt(key, profile, 7);
      expect(code).toBe(generateSync({ strategy: "hotp", secret: new TextEncoder().encode(secret), counter: 7, digits: 8, algorithm: algorithm === "SHA1" ? "sha1" : "sha256" }));
      expect(nativeCalls.length > 0, `${algorithm}: native SHA-1 used`).toBe(native);
    }
  });
});
