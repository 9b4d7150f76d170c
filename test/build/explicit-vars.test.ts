/**
 * Espruino does not hoist `var`. The build makes every function declare its vars first
 * (tools/build/explicit-vars.ts); these tests show the hazard on the genuine interpreter, show
 * the rewrite removes it, and check the shipped bundles have that shape and short lines (an
 * exception's stack quotes its whole source line: one 30 KB line ran a 4,000-variable heap out).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLateVars, hoistVarsExplicitly } from "../../tools/build/explicit-vars.js";
import { genuineEspruino } from "../../hardware/genuine/interpreters.js";
import { artifactPath } from "../../host/paths.js";

/** The shape terser produced in showTotp: one branch assigns, the other declares. */
const HAZARD = `var a="compressBlock";function f(c){if(c)(a=7);else{var a=8}return a}var r=f(true);print(JSON.stringify([r,typeof a,a]));`;

const espruino = genuineEspruino(4000);
const ci = process.env.CI === "true" || process.env.CI === "1";

function onEspruino(code: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-hoist-"));
  writeFileSync(path.join(dir, "t.js"), code);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const run = spawnSync(espruino!, ["t.js"], { cwd: dir, encoding: "utf8", timeout: 30_000, stdio: ["pipe", "pipe", "pipe"] });
  const line = run.stdout.split(/\r?\n/).find((l) => l.startsWith("["));
  if (!line) throw new Error(`no result from Espruino: ${run.stdout.slice(-300)}`);
  return line;
}

describe("explicit var hoisting", () => {
  it("moves every declaration to its function's first statement, keeping for and for-in heads", () => {
    const out = hoistVarsExplicitly(`function g(o){var s=0,t;for(var i=0;i<2;i++){var q=i;s+=q}for(var k in o)s+=o[k];t=s;return t}`);
    expect(out).toBe(`function g(o){var s,t,i,q,k;s=0;for(i=0;i<2;i++){q=i;s+=q}for(k in o)s+=o[k];t=s;return t}`);
    expect(findLateVars(out)).toEqual([]);
    expect(findLateVars(HAZARD).map((v) => v.name)).toEqual(["a", "a", "r"]);
  });

  it("means the same under hoisting (Node) before and after", () => {
    const run = (code: string) => {
      let printed = "";
      new Function("print", code)((s: string) => (printed = s));
      return printed;
    };
    expect(run(hoistVarsExplicitly(HAZARD))).toBe(run(HAZARD));
    expect(run(HAZARD)).toBe(`[7,"string","compressBlock"]`);
  });

  it("the shipped bundles: vars first in every function, and no line longer than 1,000 characters (constant tables are the longest)", () => {
    for (const file of ["dist/espruino/tokensmith-firmware.js", "dist/espruino/tokensmith-core.js"]) {
      const code = readFileSync(artifactPath(file), "utf8");
      expect(findLateVars(code), file).toEqual([]);
      expect(Math.max(...code.split("\n").map((l) => l.length)), file).toBeLessThanOrEqual(1000);
    }
  });

  if (!espruino && ci) throw new Error("the genuine Espruino is required when CI=true");
  it.skipIf(!espruino)("on the genuine Espruino the hazard writes the outer variable, and the rewrite does not", () => {
    // Without hoisting, `a=7` runs before any local `a` exists: the module-level one is overwritten.
    expect(onEspruino(HAZARD)).toBe(`[7,"number",7]`);
    expect(onEspruino(hoistVarsExplicitly(HAZARD))).toBe(`[7,"string","compressBlock"]`);
  });

  it.skipIf(!espruino)("on the genuine Espruino an error inside the bundle (run from Storage) carries a small stack", () => {
    // Espruino quotes the source line around the error in e.stack; the one-line core bundle
    // made that 1,090 characters (the 30 KB firmware line, about 9.6 KB).
    const result = onEspruino(
      `require("Storage").write("core.js", require("fs").readFileSync("core.js"));eval(require("Storage").read("core.js"));` +
        `var r;try{TokensmithCore.hotpWithKey({hash:5,native:null,innerState:[1],outerState:[1]},59,6);}catch(e){r=[String(e),e.stack.length];}print(JSON.stringify(r));`,
      { "core.js": readFileSync(artifactPath("dist/espruino/tokensmith-core.js"), "utf8") },
    );
    const [message, stackLength] = JSON.parse(result) as [string, number];
    expect(message).toMatch(/^Error/);
    expect(stackLength).toBeLessThan(600);
  });
});
