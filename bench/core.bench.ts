/**
 * Portable core figures (issue: foundation):
 * - codes per second on Node: our core (pure, native digest) against otplib, as a ratio;
 * - SHA-1 compressions per TOTP code, with cached pads and without;
 * - per-code time of the ES5 bundle's pure path (Node vm sandbox, and the real Espruino
 *   interpreter when ESPRUINO names one), and of the Lua bundles.
 */
import { nodeNativeDigest } from "../host/core/otp.js";
import { genuineEspruino } from "../hardware/genuine/interpreters.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { generateSync } from "otplib";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import * as core from "../shared/core.js";
import { runLikeEspruino } from "../tools/build/es5-check.js";
import { runLuaOnFengari } from "../test/runtimes/fengari.js";
import { ARTIFACTS } from "../test/runtimes/index.js";
import { fmt, rate, row } from "./measure.js";

const SECRET_HEX = "3132333435363738393031323334353637383930";
const SECRET = Buffer.from(SECRET_HEX, "hex");

function nodeFigures(): void {
  console.log("Codes per second on Node (TOTP, SHA-1, 6 digits; a new time each call)");
  let t = 1_700_000_000;
  const next = () => (t = t + 30 >= 2 ** 32 ? 0 : t + 30);
  const otplibNoble = rate(() => generateSync({ secret: SECRET, epoch: next(), digits: 6, algorithm: "sha1" }));
  const nodePlugin = new NodeCryptoPlugin();
  const otplibNode = rate(() => generateSync({ secret: SECRET, epoch: next(), digits: 6, algorithm: "sha1", crypto: nodePlugin }));
  const pureOneShot = rate(() => core.totp(SECRET_HEX, next(), 30, 6, "SHA1"));
  const pureKey = core.prepareKey(SECRET_HEX, "SHA1");
  const purePrepared = rate(() => core.totpWithKey(pureKey, next(), 30, 6));
  core.useNativeDigest("SHA1", nodeNativeDigest("SHA1"));
  const nativeOneShot = rate(() => core.totp(SECRET_HEX, next(), 30, 6, "SHA1"));
  const nativeKey = core.prepareKey(SECRET_HEX, "SHA1");
  const nativePrepared = rate(() => core.totpWithKey(nativeKey, next(), 30, 6));
  core.useNativeDigest("SHA1", null);
  const show = (label: string, r: { perSecond: number }) =>
    row(label, `${fmt(r.perSecond).padStart(10)}/s   x${fmt(r.perSecond / otplibNoble.perSecond, 2)} otplib   x${fmt(r.perSecond / otplibNode.perSecond, 2)} otplib+node`);
  show("otplib generateSync (default noble plugin)", otplibNoble);
  show("otplib generateSync (NodeCryptoPlugin)", otplibNode);
  show("tokensmith pure, one-shot totp()", pureOneShot);
  show("tokensmith pure, prepared key (cached pads)", purePrepared);
  show("tokensmith native node:crypto digest, one-shot", nativeOneShot);
  show("tokensmith native node:crypto digest, prepared key", nativePrepared);
}

function compressionFigures(): void {
  console.log("\nSHA-1 compressions per TOTP code (pure path)");
  const key = core.prepareKey(SECRET_HEX, "SHA1");
  let before = core.compressionsSoFar();
  for (let i = 0; i < 1000; i++) core.totpWithKey(key, 1_700_000_000 + i * 30, 30, 6);
  row("with cached pads (prepared key; the floor is 2)", fmt((core.compressionsSoFar() - before) / 1000, 2));
  before = core.compressionsSoFar();
  for (let i = 0; i < 1000; i++) core.totp(SECRET_HEX, 1_700_000_000 + i * 30, 30, 6, "SHA1");
  row("one-shot totp() (pads recomputed each call)", fmt((core.compressionsSoFar() - before) / 1000, 2));
}

function es5SandboxFigures(): void {
  console.log("\nES5 bundle, pure path (dist/espruino/tokensmith-core.js)");
  const context = runLikeEspruino(readFileSync(ARTIFACTS.espruinoCore, "utf8"));
  vm.runInContext(`var __k = TokensmithCore.prepareKey("${SECRET_HEX}", "SHA1"); var __t = 1700000000;`, context);
  const step = vm.runInContext(`(function () { __t += 30; return TokensmithCore.totpWithKey(__k, __t, 30, 6); })`, context);
  const r = rate(step);
  row("Node vm sandbox (V8 JIT: not Espruino's speed)", `${fmt(r.microsecondsEach, 1)} us/code`);
  const espruino = process.env.ESPRUINO ?? genuineEspruino(4000);
  if (!espruino) {
    row("real Espruino interpreter", "skipped: no ../shared/tools/espruino; or set ESPRUINO=/path/to/espruino (Linux build)");
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-bench-"));
  const script = path.join(dir, "bench.js");
  const codes = 200;
  writeFileSync(
    script,
    `${readFileSync(ARTIFACTS.espruinoCore, "utf8")}
var k = TokensmithCore.prepareKey("${SECRET_HEX}", "SHA1");
var t0 = getTime();
for (var i = 0; i < ${codes}; i++) TokensmithCore.totpWithKey(k, 1700000000 + i * 30, 30, 6);
var prepared = (getTime() - t0) * 1000 / ${codes};
t0 = getTime();
for (var j = 0; j < 50; j++) TokensmithCore.totp("${SECRET_HEX}", 1700000000 + j * 30, 30, 6, "SHA1");
var oneShot = (getTime() - t0) * 1000 / 50;
var mem = process.memory();
var sha1 = require("crypto").SHA1;
TokensmithCore.useNativeDigest("SHA1", function (text) { return E.toString(sha1(text)); });
var nk = TokensmithCore.prepareKey("${SECRET_HEX}", "SHA1");
t0 = getTime();
for (var n = 0; n < ${codes}; n++) TokensmithCore.totpWithKey(nk, 1700000000 + n * 30, 30, 6);
var native = (getTime() - t0) * 1000 / ${codes};
t0 = getTime();
for (var h = 0; h < ${codes}; h++) TokensmithCore.hotpWithKey(nk, 56666667 + h, 6);
var nativeCounter = (getTime() - t0) * 1000 / ${codes};
TokensmithCore.useNativeDigest("SHA1", null);
var ip = "", op = "", key = "${SECRET_HEX}";
for (var p = 0; p < 64; p++) { var b = p < 20 ? parseInt(key.substr(p * 2, 2), 16) : 0; ip += String.fromCharCode(b ^ 0x36); op += String.fromCharCode(b ^ 0x5c); }
function bare(c) {
  var m = String.fromCharCode(0, 0, 0, 0, (c >>> 24) & 255, (c >>> 16) & 255, (c >>> 8) & 255, c & 255);
  var h = E.toString(sha1(op + E.toString(sha1(ip + m))));
  var o = h.charCodeAt(19) & 15;
  return (((h.charCodeAt(o) & 127) << 24 | h.charCodeAt(o + 1) << 16 | h.charCodeAt(o + 2) << 8 | h.charCodeAt(o + 3)) % 1000000);
}
t0 = getTime();
for (var q = 0; q < ${codes}; q++) bare(56666667 + q);
var bareMs = (getTime() - t0) * 1000 / ${codes};
${readFileSync(path.resolve("bench/fixtures/straightforward-hotp.js"), "utf8")}
var sfKey = [49, 50, 51, 52, 53, 54, 55, 56, 57, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 48];
if (sfHotp(sfKey, 1) !== "287082") print("BASELINE WRONG");
t0 = getTime();
for (var m = 0; m < 50; m++) sfHotp(sfKey, 56666667 + m);
var baseline = (getTime() - t0) * 1000 / 50;
print("RESULT " + prepared.toFixed(2) + " " + oneShot.toFixed(2) + " " + mem.usage + " " + mem.total + " " + baseline.toFixed(2) + " " + native.toFixed(3) + " " + bareMs.toFixed(3) + " " + nativeCounter.toFixed(3));
process.exit ? process.exit(0) : quit();
`,
  );
  const out = execFileSync(espruino, [script], { cwd: dir, encoding: "utf8", timeout: 600_000 });
  const match = /RESULT (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)/.exec(out);
  if (!match) {
    row("real Espruino interpreter", `no result: ${out.slice(-300)}`);
    return;
  }
  row("real Espruino, pure path, prepared key (what a press costs)", `${match[1]} ms/code`);
  row("real Espruino, bare crypto.SHA1 HMAC with string pads (the floor)", `${match[7]} ms/code`);
  row("real Espruino, native path, counter known (a rollover tick)", `${match[8]} ms/code (x${fmt(Number(match[8]) / Number(match[7]), 2)} the floor)`);
  row("real Espruino, native path, from the time (+ one long division)", `${match[6]} ms/code (x${fmt(Number(match[6]) / Number(match[7]), 2)} the floor)`);
  row("real Espruino, one-shot totp() (hex parse + pads)", `${match[2]} ms/code`);
  row("real Espruino, JsVars in use after loading the core", `${match[3]} of ${match[4]}`);
  row("real Espruino, textbook pure HMAC-SHA1 HOTP (baseline)", `${match[5]} ms/code (x${fmt(Number(match[5]) / Number(match[1]), 1)} the prepared-key path)`);
}

function luaFigures(): void {
  console.log("\nLua bundles (per code, one-shot totp(), 50 codes)");
  const cases = Array.from({ length: 50 }, (_, i) =>
    ["totp", Buffer.from(SECRET_HEX).toString("hex"), String(1_700_000_000 + i * 30), "30", "6", "SHA1"].join("\t"),
  ).join("\n");
  const driver = readFileSync(path.resolve("test/runtimes/driver.lua"), "utf8");
  for (const [label, bundle, shim] of [["fengari, 5.3 bundle", ARTIFACTS.lua53, false], ["fengari, 5.1 bundle + bitop shim", ARTIFACTS.lua51, true]] as const) {
    const start = performance.now();
    runLuaOnFengari(readFileSync(bundle, "utf8"), driver, cases, shim);
    row(label, `${fmt((performance.now() - start) / 50, 2)} ms/code`);
  }
  for (const [label, command, bundle] of [["lua5.1 + bitop", "lua5.1", ARTIFACTS.lua51], ["lua5.3", "lua5.3", ARTIFACTS.lua53], ["lua5.3 int32+float32 ($LUA53_32BIT)", process.env.LUA53_32BIT ?? "", ARTIFACTS.lua53]] as const) {
    if (!command) continue;
    const start = performance.now();
    const result = spawnSync(command, [path.resolve("test/runtimes/runner.lua"), bundle, path.resolve("test/runtimes/driver.lua")], { input: cases, encoding: "utf8" });
    if (result.status !== 0) {
      row(label, "not available");
      continue;
    }
    row(label, `${fmt((performance.now() - start) / 50, 2)} ms/code (process start included)`);
  }
}

export function runCoreBenchmarks(): void {
  nodeFigures();
  compressionFigures();
  es5SandboxFigures();
  luaFigures();
}
