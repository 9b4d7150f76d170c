/**
 * The runtimes every core suite runs on. A suite is written once against `Runtime.run` and
 * repeated per runtime (as otplib runs its suites per platform).
 *
 * Always available: Node (pure and native hash), the ES5 bundle in an Espruino-like sandbox
 * (pure and with an emulated native SHA-1), and both Lua bundles on fengari (Lua 5.3 in JS,
 * with 32-bit integers like NodeMCU ESP32; the 5.1 bundle gets a bitop shim there).
 * Real interpreters join when present: Debian's lua5.1 (+ lua-bitop) and lua5.3 on PATH
 * (required when CI=true), and hand-built ones named by environment variables:
 *   LUA53_32BIT=/path/to/lua   Lua 5.3 built with LUA_32BITS (int32 + float32)
 *   ESPRUINO=/path/to/espruino Espruino's Linux build
 * Under TOKENSMITH_SOURCES_ONLY=1 (npm run mutation) only the two Node runtimes run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { nodeNativeDigest } from "../../host/core/otp.js";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import * as core from "../../shared/core.js";
import { runLikeEspruino } from "../../tools/build/es5-check.js";
import { runLuaOnFengari } from "./fengari.js";
import { parseResults, type Case, type Outcome } from "./cases.js";
import { genuineEspruino, genuineLua32 } from "../../hardware/genuine/interpreters.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
export const ARTIFACTS = {
  espruinoCore: path.join(root, "dist/espruino/tokensmith-core.js"),
  lua51: path.join(root, "dist/lua/tokensmith-core-51.lua"),
  lua53: path.join(root, "dist/lua/tokensmith-core-53.lua"),
};
const JS_DRIVER = readFileSync(path.join(here, "driver.js"), "utf8");
const LUA_DRIVER = path.join(here, "driver.lua");
const LUA_RUNNER = path.join(here, "runner.lua");

export interface Runtime {
  name: string;
  /** Runs the cases; one outcome each, in order. */
  run(cases: Case[]): Outcome[];
  /** Lua with 32-bit integers: times past 2^31 arrive as negative words, so "negative" is legal. */
  int32: boolean;
  /** Can take multi-megabyte inputs in reasonable time. */
  fast: boolean;
}

/** When absent, why (printed by the suites so a skip is visible). */
export interface Unavailable {
  name: string;
  reason: string;
}


function nodeRuntime(native: boolean): Runtime {
  return {
    name: native ? "node (node:crypto digest)" : "node (pure)",
    int32: false,
    fast: true,
    run(list) {
      core.useNativeDigest("SHA1", native ? nodeNativeDigest("SHA1") : null);
      core.useNativeDigest("SHA256", native ? nodeNativeDigest("SHA256") : null);
      try {
        const driver = vm.runInThisContext(JS_DRIVER);
        return parseResults(driver(core, list.join("\n")), list.length);
      } finally {
        core.useNativeDigest("SHA1", null);
        core.useNativeDigest("SHA256", null);
      }
    },
  };
}

/**
 * The ES5 bundle in a sandbox without what Espruino lacks, functions de-hoisted. The
 * "native" variant plugs in a SHA-1 shaped like Espruino's require("crypto").SHA1 (returns
 * an ArrayBuffer), adapted the way the firmware's platform layer will.
 */
function es5Runtime(nativeSha1: boolean): Runtime {
  return {
    name: nativeSha1 ? "es5 bundle, sandbox (native SHA1)" : "es5 bundle, sandbox (pure)",
    int32: false,
    fast: true,
    run(list) {
      const crypto = { SHA1: (data: string) => { const d = createHash("sha1").update(Buffer.from(data, "latin1")).digest(); return d.buffer.slice(d.byteOffset, d.byteOffset + d.length); } };
      const context = runLikeEspruino(readFileSync(ARTIFACTS.espruinoCore, "utf8"), { nodeCryptoStandIn: crypto });
      if (nativeSha1) {
        vm.runInContext(
          `TokensmithCore.useNativeDigest("SHA1", function (text) {
             var d = new Uint8Array(nodeCryptoStandIn.SHA1(text)), out = "";
             for (var j = 0; j < d.length; j++) out += String.fromCharCode(d[j]);
             return out;
           });`,
          context,
        );
      }
      const driver = vm.runInContext(JS_DRIVER, context);
      return parseResults(driver(context.TokensmithCore, list.join("\n")), list.length);
    },
  };
}

function fengariRuntime(flavour: "51" | "53"): Runtime {
  return {
    name: `lua ${flavour} bundle on fengari (int32)`,
    int32: true,
    fast: false,
    run(list) {
      const bundle = flavour === "51" ? ARTIFACTS.lua51 : ARTIFACTS.lua53;
      return parseResults(
        runLuaOnFengari(readFileSync(bundle, "utf8"), readFileSync(LUA_DRIVER, "utf8"), list.join("\n"), flavour === "51"),
        list.length,
      );
    },
  };
}

function commandRuntime(name: string, command: string, bundle: string, int32: boolean): Runtime {
  return {
    name,
    int32,
    fast: false,
    run(list) {
      const result = spawnSync(command, [LUA_RUNNER, bundle, LUA_DRIVER], { input: list.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr || result.error}`);
      return parseResults(result.stdout, list.length);
    },
  };
}

function espruinoRuntime(binary: string, nativeSha1: boolean): Runtime {
  return {
    name: `espruino interpreter${nativeSha1 ? ", native SHA1" : ""} (${binary})`,
    int32: false,
    fast: false,
    run(list) {
      // A few cases per interpreter run: the script (the bundle, the cases, the results) is in
      // its heap, and the genuine ESP32-sized heap (4,000 variables) ran out with 40.
      const CASES_PER_RUN = 15;
      if (list.length > CASES_PER_RUN) {
        const outcomes: Outcome[] = [];
        for (let i = 0; i < list.length; i += CASES_PER_RUN) outcomes.push(...this.run(list.slice(i, i + CASES_PER_RUN)));
        return outcomes;
      }
      const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-espruino-"));
      const script = path.join(dir, "run.js");
      const casesText = list.join("\n");
      writeFileSync(
        script,
        `${readFileSync(ARTIFACTS.espruinoCore, "utf8")}\n` +
          (nativeSha1 ? `TokensmithCore.useNativeDigest("SHA1", function (t) { return E.toString(require("crypto").SHA1(t)); });\n` : "") +
          `var __driver = ${JS_DRIVER.trim()};\n` +
          `var __out = __driver(TokensmithCore, ${JSON.stringify(casesText)});\n` +
          `print("<<<BEGIN>>>"); print(__out); print("<<<END>>>");\nprocess.exit ? process.exit(0) : quit();\n`,
      );
      const stdout = execFileSync(binary, [script], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
      const begin = stdout.indexOf("<<<BEGIN>>>");
      const end = stdout.indexOf("<<<END>>>");
      if (begin < 0 || end < 0) throw new Error(`espruino printed no results:\n${stdout.slice(-2000)}`);
      return parseResults(stdout.slice(begin + 11, end).replace(/\r/g, ""), list.length);
    },
  };
}

function onPath(command: string, probe: string): boolean {
  const result = spawnSync(command, ["-e", probe], { encoding: "utf8" });
  return result.status === 0;
}

/** Set by `npm run mutation`: only the runtimes that run the sources can see a mutant. */
export const SOURCES_ONLY_ENV = "TOKENSMITH_SOURCES_ONLY";

export function listRuntimes(): { available: Runtime[]; unavailable: Unavailable[] } {
  if (process.env[SOURCES_ONLY_ENV] === "1") {
    return { available: [nodeRuntime(false), nodeRuntime(true)], unavailable: [{ name: "the built bundles", reason: `${SOURCES_ONLY_ENV}=1 (a mutation run judges the sources)` }] };
  }
  const available: Runtime[] = [nodeRuntime(false), nodeRuntime(true), es5Runtime(false), es5Runtime(true), fengariRuntime("53"), fengariRuntime("51")];
  const unavailable: Unavailable[] = [];
  const ci = process.env.CI === "true" || process.env.CI === "1";
  const debian: Array<[string, string, string, string]> = [
    ["lua5.1 + bitop (Debian)", "lua5.1", ARTIFACTS.lua51, 'require("bit")'],
    ["lua5.3 (Debian)", "lua5.3", ARTIFACTS.lua53, "assert(math.type)"],
  ];
  for (const [name, command, bundle, probe] of debian) {
    if (onPath(command, probe)) available.push(commandRuntime(name, command, bundle, false));
    else if (ci) throw new Error(`${name} is required when CI=true: install it (.ci/run does: apt-get install lua5.1 lua-bitop lua5.3)`);
    else unavailable.push({ name, reason: `${command} not on PATH (apt-get install lua5.1 lua-bitop lua5.3)` });
  }
  // The genuine interpreters in ../shared/tools (required under CI), or others named here.
  const lua32 = process.env.LUA53_32BIT ?? genuineLua32();
  if (lua32) available.push(commandRuntime(`lua5.3 int32+float32 (${path.basename(lua32)})`, lua32, ARTIFACTS.lua53, true));
  else if (ci) throw new Error("the genuine Lua with 32-bit numbers (../shared/tools/lua/lua53-int32) is required when CI=true");
  else unavailable.push({ name: "lua5.3 with LUA_32BITS", reason: "not in ../shared/tools/lua; or set LUA53_32BIT to a Lua 5.3 built with LUA_32BITS" });
  const espruino = process.env.ESPRUINO ?? genuineEspruino(4000);
  if (espruino) available.push(espruinoRuntime(espruino, false), espruinoRuntime(espruino, true));
  else if (ci) throw new Error("the genuine Espruino (../shared/tools/espruino/espruino-esp32-4000) is required when CI=true");
  else unavailable.push({ name: "espruino interpreter", reason: "not in ../shared/tools/espruino; or set ESPRUINO to an Espruino Linux build" });
  return { available, unavailable };
}
