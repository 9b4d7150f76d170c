/**
 * Property tests with otplib as the independent oracle: random secrets (10 to 64 bytes),
 * times over the whole 0 .. 2^32 - 1 range, 6/8 digits, 30/60 s, SHA-1/SHA-256, on every
 * runtime. otplib is a test dependency only; it never computes a code tokensmith ships.
 *
 * The cases are drawn with fast-check from a seed printed in the suite name; rerun a failure
 * with TOKENSMITH_PROPERTY_SEED=<seed>.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createGuardrails, generateSync } from "otplib";
import { cases } from "../runtimes/cases.js";
import { listRuntimes } from "../runtimes/index.js";

const seed = Number(process.env.TOKENSMITH_PROPERTY_SEED ?? Date.now() % 2 ** 31);
const CASES_PER_RUNTIME = Number(process.env.TOKENSMITH_PROPERTY_RUNS ?? 300);
// otplib refuses secrets under 16 bytes by default; the oracle must cover 10-byte keys too.
const oracleGuardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

interface Draw {
  secret: Uint8Array;
  algorithm: "SHA1" | "SHA256";
  digits: 6 | 8;
  period: 30 | 60;
  time: number;
  counter: number;
}

const drawArbitrary = fc.record({
  secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
  algorithm: fc.constantFrom("SHA1" as const, "SHA256" as const),
  digits: fc.constantFrom(6 as const, 8 as const),
  period: fc.constantFrom(30 as const, 60 as const),
  // Bias towards the edges that break naive code: 2^31 (int32 sign), 2^32 - 1 (the end).
  time: fc.oneof(
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 2 ** 31 - 120, max: 2 ** 31 + 120 }),
    fc.integer({ min: 2 ** 32 - 120, max: 2 ** 32 - 1 }),
  ),
  counter: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 1000 })),
});

const draws: Draw[] = fc.sample(drawArbitrary, { numRuns: CASES_PER_RUNTIME, seed });

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const algorithmName = (a: Draw["algorithm"]) => (a === "SHA1" ? "sha1" : "sha256");

const expectedTotp = draws.map((d) =>
  generateSync({ secret: d.secret, epoch: d.time, period: d.period, digits: d.digits, algorithm: algorithmName(d.algorithm), guardrails: oracleGuardrails }),
);
const expectedHotp = draws.map((d) =>
  generateSync({ strategy: "hotp", secret: d.secret, counter: d.counter, digits: d.digits, algorithm: algorithmName(d.algorithm), guardrails: oracleGuardrails }),
);

const { available } = listRuntimes();

describe.each(available)(`$name, otplib oracle (seed ${seed})`, (runtime) => {
  it(`TOTP matches otplib for ${draws.length} random secrets, times, digits, periods and algorithms`, () => {
    const results = runtime.run(draws.map((d) => cases.totp(hex(d.secret), d.time, d.period, d.digits, d.algorithm)));
    results.forEach((outcome, i) => {
      expect(outcome, `case ${i}: ${JSON.stringify({ ...draws[i], secret: hex(draws[i].secret) })}`).toEqual({ ok: true, value: expectedTotp[i] });
    });
  });

  it(`HOTP matches otplib for ${draws.length} random secrets and counters`, () => {
    const results = runtime.run(draws.map((d) => cases.hotp(hex(d.secret), d.counter, d.digits, d.algorithm)));
    results.forEach((outcome, i) => {
      expect(outcome, `case ${i}: counter ${draws[i].counter}`).toEqual({ ok: true, value: expectedHotp[i] });
    });
  });
});
