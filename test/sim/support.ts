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
import { authFor, parseAnswer, wireFrame, type Answer } from "../protocol/raw-wire.js";

export { authFor, crcHex, parseAnswer, provisionFields, wireFields, wireFrame, wireValue, type Answer } from "../protocol/raw-wire.js";

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

/** The nonce counter's files (firmware/store/counter.ts): every NONCE advances them, by design. */
export const isNonceCounterFile = (name: string) => /^tsctr\.[ab]$/.test(name);

/**
 * Every Storage file but the nonce counter's, with its bytes: what must not change when a
 * command is refused (a refused command may still have spent a nonce).
 */
export function flashImage(token: SimulatedToken): Record<string, string> {
  return Object.fromEntries(
    token.flash
      .list()
      .filter((name) => !isNonceCounterFile(name))
      .map((name) => [name, token.flash.read(name)!]),
  );
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

/** Sends bytes to the token's UART and returns the lines it wrote meanwhile (without "\n"). */
export function sendRaw(token: SimulatedToken, text: string): string[] {
  const before = token.uartLog.length;
  token.sendToToken(text);
  const out = token.uartLog.slice(before).join("");
  if (out === "") return [];
  expect(out.endsWith("\n"), "the token writes whole lines").toBe(true);
  return out.slice(0, -1).split("\n");
}

let rawSeq = 40000;

/** Sends a request frame built by hand and returns its one answer. */
export function ask(token: SimulatedToken, verb: string, fields: Array<[string, string]> = [], seq = ++rawSeq): Answer {
  const lines = sendRaw(token, wireFrame(seq, verb, fields));
  expect(lines.length, `one answer to ${verb}`).toBe(1);
  const answer = parseAnswer(lines[0]);
  expect(answer.seq).toBe(seq);
  return answer;
}

/** The error code of an answer, or "OK". */
export function outcome(answer: Answer): string {
  return answer.verb === "OK" ? "OK" : (answer.get("code") ?? "?");
}

/** NONCE, then the request signed by hand with `mkey`. */
export function askAuthorised(token: SimulatedToken, mkey: Uint8Array, verb: string, fields: Array<[string, string]>): Answer {
  const nonce = ask(token, "NONCE").get("nonce")!;
  return ask(token, verb, [...fields, ["auth", authFor(mkey, nonce, verb, fields)]]);
}

/** HELLO's fields without `time`, in wire order. */
export function helloState(token: SimulatedToken): Array<[string, string]> {
  const answer = ask(token, "HELLO");
  expect(answer.verb).toBe("OK");
  return answer.frame.keys.map((k, i): [string, string] => [k, answer.frame.values[i]]).filter(([k]) => k !== "time");
}

/**
 * The unauthorised clock-step budget left, found with small TIME_SET steps forward (each
 * accepted step moves the clock and uses budget): 90 minus what the token has used. Needs a
 * provisioned token with a good clock.
 */
export function probeDriftBudgetLeft(token: SimulatedToken): number {
  let left = 0;
  for (const step of [30, 30, 30, 30, 30, 30, 16, 8, 4, 2, 1]) {
    const now = Number(ask(token, "TIME").get("time"));
    const answer = ask(token, "TIME_SET", [["time", String(now + step)]]);
    if (answer.verb === "OK") left += step;
    else expect(answer.get("code")).toBe("auth_required");
  }
  return left;
}
