/**
 * Shared setup for the simulator suites: a token running the built firmware bundle, a
 * protocol client over the in-process transport, otplib as the oracle, and a record of
 * every secret provisioned so that no suite can miss a leak (see assertNoSecretsOnTheWire).
 */
import { expect } from "vitest";
import { generateSync } from "otplib";
import { SimulatedToken, type SimTokenOptions } from "../../hardware/sim/token.js";
import { SimTransport } from "../../host/transport/sim-transport.js";
import { TokenClient, type ProfileSpec } from "../../host/device/client.js";
import { bytesToBase32 } from "../../shared/codec/base32.js";

/** 2026-11-22T12:00:00Z plus a bit: after the firmware's epoch, inside a 30 s window. */
export const START = 1795348800 + 7;

export interface Rig {
  token: SimulatedToken;
  client: TokenClient;
}

const tokens: SimulatedToken[] = [];
const secrets: Uint8Array[] = [];

export function bootToken(options: SimTokenOptions = {}): Rig {
  const token = new SimulatedToken({ rtcUnixSeconds: START, ...options });
  tokens.push(token);
  token.powerOn();
  const client = new TokenClient(new SimTransport(token), { timeoutMs: 200, retries: 1 });
  return { token, client };
}

/** Remembers a secret so the wire scan looks for it. */
export function secretFor(bytes: Uint8Array): Uint8Array {
  secrets.push(bytes);
  return bytes;
}

export function totpProfile(secret: Uint8Array, options: Partial<ProfileSpec> = {}): ProfileSpec {
  return { label: "Test", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, secret: secretFor(secret), ...options };
}

export const MKEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

/** What otplib says the code is. */
export function oracleTotp(secret: Uint8Array, time: number, digits = 6, period = 30, algorithm: "SHA1" | "SHA256" = "SHA1"): string {
  return generateSync({ secret, epoch: time, period, digits: digits as 6 | 8, algorithm: algorithm === "SHA1" ? "sha1" : "sha256" });
}

export function oracleHotp(secret: Uint8Array, counter: number, digits = 6, algorithm: "SHA1" | "SHA256" = "SHA1"): string {
  return generateSync({ strategy: "hotp", secret, counter, digits: digits as 6 | 8, algorithm: algorithm === "SHA1" ? "sha1" : "sha256" });
}

/** The token's virtual Unix time, whole seconds. */
export function nowOf(token: SimulatedToken): number {
  return Math.floor(token.clock.nowMs() / 1000);
}

/** Presses and lets the firmware react. */
export function press(token: SimulatedToken): void {
  token.press();
  token.advanceMs(300);
}

export function longPress(token: SimulatedToken): void {
  token.longPress();
  token.advanceMs(1500);
}

/**
 * Where a secret shows in `wire`, or null: as hex (either case), Base32, raw bytes, or any
 * 8-byte stretch of it in hex.
 */
export function findSecret(wire: string, secret: Uint8Array): string | null {
  const lower = wire.toLowerCase();
  const hex = Buffer.from(secret).toString("hex");
  if (lower.includes(hex)) return "as hex";
  if (wire.includes(Buffer.from(secret).toString("latin1"))) return "as raw bytes";
  if (wire.toUpperCase().includes(bytesToBase32([...secret], false).slice(0, 16))) return "as Base32";
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (lower.includes(hex.slice(i * 2, i * 2 + 16))) return `8 bytes from offset ${i} as hex`;
  }
  return null;
}

/** Scans every byte every token of this test file sent for every secret provisioned. */
export function assertNoSecretsOnTheWire(): { frames: number; secrets: number } {
  const wire = tokens.flatMap((t) => t.uartLog).join("");
  for (const secret of secrets) expect(findSecret(wire, secret), "a secret on the wire").toBeNull();
  for (const token of tokens) expect(token.uncaught, "no exception escaped the firmware").toEqual([]);
  return { frames: wire.split("\n").length - 1, secrets: secrets.length };
}
