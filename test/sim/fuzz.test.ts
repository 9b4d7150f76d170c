/**
 * Garbage on the wire, against the simulated token running the built bundle: random bytes and
 * mutated valid frames (many with the CRC recomputed, so they reach the parser and the
 * commands). The token never throws, answers every complete line (but `<` frames) exactly
 * once with a well-formed `<` frame, and nothing changes: record files byte for byte, HELLO, the codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import {
  MKEY,
  START,
  ask,
  bootToken,
  crcHex,
  helloState,
  oracleTotp,
  outcome,
  parseAnswer,
  press,
  provisionFields,
  totpProfile,
  flashImage,
  wireFrame,
  type Rig,
} from "./support.js";
import { readCode } from "./display-reader.js";
import { MAX_FRAME_BYTES, decodeFrame } from "../../shared/protocol/frame.js";

const dir = mkdtempSync(path.join(tmpdir(), "tokensmith-fuzz-"));
const secret1 = randomBytes(20);
const profiles = [totpProfile(secret1, { label: "Mail" }), totpProfile(randomBytes(32), { label: "VPN", algorithm: "SHA256", digits: 8, period: 60 })];
let pre = { file: "", rtc: 0 };
let copies = 0;

beforeAll(() => {
  const { token } = bootToken();
  expect(outcome(ask(token, "PROVISION", provisionFields("TS-FUZZ", MKEY, profiles)))).toBe("OK");
  pre = { file: path.join(dir, "pre.json"), rtc: token.rtc.trueUnixSeconds() };
  token.powerOff();
  token.flash.save(pre.file);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freshToken(): Rig {
  const copy = path.join(dir, `run-${++copies}.json`);
  copyFileSync(pre.file, copy);
  return bootToken({ flashFile: copy, rtcUnixSeconds: pre.rtc });
}

const ERROR_CODES = ["bad_frame", "too_long", "unknown_command", "bad_argument", "not_provisioned", "auth_required", "auth_failed", "clock_lost", "storage_full", "not_allowed"];
/** Verbs whose OK answer legitimately changes what we compare. */
const CHANGING = ["TIME_SET", "PROVISION", "WIPE", "REBOOT", "MAINTENANCE"];

interface Stats {
  runs: number;
  compared: number;
  lines: number;
  answers: number;
  ok: number;
  parsedErrors: Record<string, number>;
}

function newStats(): Stats {
  return { runs: 0, compared: 0, lines: 0, answers: 0, ok: 0, parsedErrors: {} };
}

/**
 * Sends `chunks` to a fresh provisioned token and checks everything. The state comparison is
 * skipped (and not counted) after an OK to a state-changing verb.
 */
function sendAndCheck(chunks: string[], stats: Stats): void {
  const { token } = freshToken();
  const before = { files: flashImage(token), hello: helloState(token), bytes: token.flash.bytesWrittenTotal };
  const seqOf = new Map<number, Set<string>>(); // request seqs in the input, with their verbs
  const input = chunks.join("") + "\n"; // the final "\n" completes any trailing line
  const start = token.uartLog.length;
  for (const chunk of [...chunks, "\n"]) token.sendToToken(chunk);
  const out = token.uartLog.slice(start).join("");
  token.advanceMs(200); // REBOOT / MAINTENANCE run 50 ms after their answer

  // Lines the token could answer: complete, not blank ("\r" alone is blank).
  const lines = input.split("\n").slice(0, -1);
  for (const line of lines) {
    const m = /^>(\d+) ([A-Z_]+)/.exec(line);
    if (m) seqOf.set(Number(m[1]), (seqOf.get(Number(m[1])) ?? new Set<string>()).add(m[2]));
  }
  // A `<` frame (token to host) is ignored; every other non-blank line gets exactly one answer.
  const echoes = lines.filter((l) => decodeFrame(l, null).frame?.toToken === false).length;
  const answerable = lines.filter((l) => l !== "" && l !== "\r").length - echoes;
  expect(token.uncaught, "nothing escaped the firmware").toEqual([]);
  expect(out === "" || out.endsWith("\n"), "whole lines out").toBe(true);
  const answers = out === "" ? [] : out.slice(0, -1).split("\n");
  expect(answers.length, "one answer per complete line").toBe(answerable);
  stats.runs++;
  stats.lines += answerable;
  stats.answers += answers.length;
  let changed = false;
  let noncesIssued = 0;
  for (const line of answers) {
    expect(line.length + 1).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const a = parseAnswer(line);
    expect(["OK", "ERR"]).toContain(a.verb);
    if (a.verb === "ERR") {
      expect(ERROR_CODES).toContain(a.get("code"));
      expect(a.get("message")).not.toBeNull();
      stats.parsedErrors[a.get("code")!] = (stats.parsedErrors[a.get("code")!] ?? 0) + 1;
      if (a.seq === 0) continue;
    } else {
      stats.ok++;
    }
    expect(seqOf.has(a.seq), `answer seq ${a.seq} was a request's seq`).toBe(true);
    if (a.verb === "OK" && [...seqOf.get(a.seq)!].some((verb) => CHANGING.includes(verb))) changed = true;
    if (a.verb === "OK" && a.get("nonce") !== null) noncesIssued++;
  }
  if (changed) {
    token.powerOff();
    return;
  }
  stats.compared++;
  expect(token.state).toBe("running");
  // Only the nonce counter moves: one tally byte per nonce issued (a rollover to the other
  // counter file adds a Storage header, its epoch header and an erase marker).
  const programmed = token.flash.bytesWrittenTotal - before.bytes;
  expect(programmed, "flash programmed only for nonces").toBeGreaterThanOrEqual(noncesIssued);
  expect(programmed, "flash programmed only for nonces").toBeLessThanOrEqual(noncesIssued * (1 + 32 + 8 + 4));
  expect(flashImage(token), "record files byte-identical").toEqual(before.files);
  expect(helloState(token), "HELLO identical except time").toEqual(before.hello);
  press(token);
  expect(readCode(token.display), "the code on the display").toBe(oracleTotp(secret1, token.rtc.trueUnixSeconds()));
  token.powerOff();
}

// ---- generators ------------------------------------------------------------------------

const byteString = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).toString("latin1"));

/** Pieces that make random input look more like frames now and then. */
const piece = fc.oneof(
  { weight: 4, arbitrary: byteString(40) },
  { weight: 3, arbitrary: fc.constantFrom("\n", "\n", "\r\n", "\r", ">", "<", " ", "*", "=", "%", "%4", "%0A", ">1 ", "HELLO", " *", "\x10", "\x03") },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70000 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1500, max: 5000 }).chain((n) => byteString(1).map((c) => (c === "\n" ? "x" : c).repeat(n))) },
);

/** A line's worth of pieces (it may still hold a "\n" from the random bytes). */
const junkLine = fc.array(piece, { maxLength: 12 }).map((p) => p.join(""));

const randomInput = fc.oneof(
  fc.array(fc.tuple(junkLine, fc.constantFrom("\n", "\r\n", "\n\n")), { maxLength: 8 }).map((lines) => lines.map(([l, end]) => l + end).join("")),
  byteString(3000),
  byteString(300).map((s) => s.replace(/\n/g, "")), // no newline at all (the final "\n" ends it)
);

/** Splits text into chunks at random places (the UART delivers whatever it has). */
function chunked(text: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return text.chain((t) =>
    fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, t.length) }), { maxLength: 6 }).map((cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), t.length];
      const out: string[] = [];
      for (let i = 1; i < points.length; i++) out.push(t.slice(points[i - 1], points[i]));
      return out.filter((c) => c !== "");
    }),
  );
}

const NONCE_HEX = "00112233445566778899aabbccddeeff";
/** Valid requests; on the provisioned token the state-changing ones are refused (no auth). */
const baseFrames: Array<[string, Array<[string, string]>]> = [
  ["HELLO", []],
  ["TIME", []],
  ["NONCE", []],
  ["VERIFY", [["nonce", NONCE_HEX]]],
  ["VERIFY", [["nonce", NONCE_HEX], ["profile", "2"]]],
  ["TIME_SET", [["time", String(START + 3600)]]],
  ["TIME_SET", [["time", String(START + 25)], ["auth", "ab".repeat(32)]]],
  ["WIPE", []],
  ["WIPE", [["auth", "cd".repeat(32)]]],
  ["MAINTENANCE", []],
  ["PROVISION", [...provisionFields("TS-X", MKEY, [totpProfile(randomBytes(20), { label: "L b" })]), ["auth", "ef".repeat(32)]]],
  ["PROVISION", provisionFields("TS-Y", MKEY, [totpProfile(randomBytes(20))])],
];

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; byte: number }
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "swapFields"; a: number; b: number }
  | { kind: "seq"; seq: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(32, 61, 37, 42, 10, 13, 48, 57)) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(32, 61, 37, 48, 95)) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("swapFields" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant("seq" as const), seq: fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.constantFrom("", "00", "01", "0", "65535", "65536", "999999", "-1", "1a")) }),
);

/** Applies a mutation to the part of a frame the CRC covers (without " *crc\n"). */
function mutate(covered: string, m: Mutation): string {
  const n = covered.length;
  const at = n === 0 ? 0 : m.kind === "swapFields" || m.kind === "seq" ? 0 : m.at % (n + 1);
  switch (m.kind) {
    case "flip":
      return at >= n ? covered : covered.slice(0, at) + String.fromCharCode(covered.charCodeAt(at) ^ (1 << m.bit)) + covered.slice(at + 1);
    case "set":
      return at >= n ? covered : covered.slice(0, at) + String.fromCharCode(m.byte) + covered.slice(at + 1);
    case "insert":
      return covered.slice(0, at) + String.fromCharCode(m.byte) + covered.slice(at);
    case "delete":
      return covered.slice(0, at) + covered.slice(at + m.length);
    case "duplicate":
      return covered.slice(0, at + m.length) + covered.slice(at, at + m.length) + covered.slice(at + m.length);
    case "swapFields": {
      const parts = covered.split(" ");
      if (parts.length < 4) return covered; // dir+seq, verb, fields..., "" (the trailing space)
      const i = 2 + (m.a % (parts.length - 3));
      const j = 2 + (m.b % (parts.length - 3));
      [parts[i], parts[j]] = [parts[j], parts[i]];
      return parts.join(" ");
    }
    case "seq":
      return covered.replace(/^([><])\d*/, `$1${m.seq}`);
  }
}

const mutatedFrame = fc
  .record({
    base: fc.integer({ min: 0, max: baseFrames.length - 1 }),
    seq: fc.integer({ min: 1, max: 65535 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    fixCrc: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
    crlf: fc.boolean(),
  })
  .map(({ base, seq, mutations, fixCrc, crlf }) => {
    const [verb, fields] = baseFrames[base];
    const valid = wireFrame(seq, verb, fields);
    const star = valid.lastIndexOf(" *");
    let covered = valid.slice(0, star + 1);
    for (const m of mutations) covered = mutate(covered, m);
    const crc = fixCrc ? crcHex(covered) : valid.slice(star + 2, star + 10);
    return `${covered}*${crc}${crlf ? "\r\n" : "\n"}`;
  });

describe("fuzzing the token's UART", () => {
  it("random bytes: no crash, one well-formed answer per line, nothing changes", () => {
    const stats = newStats();
    fc.assert(
      fc.property(chunked(randomInput), (chunks) => sendAndCheck(chunks, stats)),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
    console.info(`random bytes: ${stats.runs} runs, ${stats.lines} lines, ${stats.answers} answers (${JSON.stringify(stats.parsedErrors)}), state compared in ${stats.compared}`);
    expect(stats.compared).toBe(stats.runs);
    expect(stats.parsedErrors.too_long ?? 0).toBeGreaterThan(0);
  });

  it("mutated valid frames: no crash, one well-formed answer per request line, nothing changes unless a valid command said OK", () => {
    const stats = newStats();
    fc.assert(
      fc.property(chunked(fc.array(mutatedFrame, { minLength: 1, maxLength: 5 }).map((f) => f.join(""))), (chunks) => sendAndCheck(chunks, stats)),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
    console.info(`mutated frames: ${stats.runs} runs, ${stats.lines} lines, ${stats.answers} answers, ${stats.ok} OK (${JSON.stringify(stats.parsedErrors)}), state compared in ${stats.compared}`);
    expect(stats.compared).toBeGreaterThan(stats.runs * 0.8);
    // The mutations reached past the CRC into the parser and the commands.
    for (const code of ["bad_frame", "auth_required", "bad_argument", "unknown_command"]) expect(stats.parsedErrors[code] ?? 0, code).toBeGreaterThan(0);
  });
});
