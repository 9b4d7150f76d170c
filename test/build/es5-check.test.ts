/**
 * tools/build/es5-check.ts and tools/build/espruino-bundle.ts: the checks that stand in for a
 * real Espruino when the build runs in Node, and the built artifact passing them.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findEs5Problems, runLikeEspruino, withoutHoisting } from "../../tools/build/es5-check.js";
import { bundleForEspruino } from "../../tools/build/espruino-bundle.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = path.join(root, "test/build/fixtures");

describe("findEs5Problems", () => {
  it.each([
    ["let", "let x = 1;", /does not parse as ES5/],
    ["an arrow function", "var f = function () { return [1].map((x) => x); };", /does not parse as ES5/],
    ["Map", "var m = new Map();", /uses Map/],
    ["Math.imul", "var p = Math.imul(3, 5);", /Math\.imul/],
    ["Array.prototype.slice", "function f() { return Array.prototype.slice.call(arguments); }", /Array\.prototype\.slice/],
    [".padStart(", "var s = String(5).padStart(2, '0');", /padStart/],
    ["Number.isInteger", "var ok = Number.isInteger(2);", /Number\.isInteger/],
  ])("flags %s", (_, code, message) => {
    const problems = findEs5Problems(code);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join("\n")).toMatch(message);
  });

  it("points at the offending code", () => {
    const code = "var a = 1;\nvar p = Math.imul(a, 5);";
    const [problem] = findEs5Problems(code);
    expect(code.slice(problem.position)).toMatch(/^Math\.imul/);
  });

  it("accepts plain ES5, including the safe spellings of the flagged constructs", () => {
    const code = [
      "var table = { map: 1, padStart: 2 };",
      "function pad(s) { return ('00' + s).slice(-2); }",
      "function args() { return [].slice.call(arguments); }",
      "var product = (3 * 5) | 0;",
      "var whole = Math.floor(2.5) === 2.5;",
      "var obj = {}; obj.Map = 1;",
    ].join("\n");
    expect(findEs5Problems(code)).toEqual([]);
  });
});

describe("withoutHoisting", () => {
  const run = (code: string) => {
    const context = vm.createContext({});
    vm.runInContext(withoutHoisting(code), context);
    return context;
  };

  it("leaves the original hoisting behaviour in plain Node (the test's premise)", () => {
    const context = vm.createContext({});
    vm.runInContext("var r = f(); function f() { return 1; }", context);
    expect(context.r).toBe(1);
  });

  it("makes a call before the definition throw, as on Espruino", () => {
    expect(() => run("f(); function f() {}")).toThrow(/is not a function/);
  });

  it("keeps define-then-call working", () => {
    expect(run("function f() { return 41; } var r = f() + 1;").r).toBe(42);
  });

  it("keeps nested function declarations working", () => {
    const code = [
      "function outer(x) {",
      "  function inner(y) { return y * 2; }",
      "  function twice(y) { return inner(inner(y)); }",
      "  return twice(x);",
      "}",
      "var r = outer(3);",
    ].join("\n");
    expect(run(code).r).toBe(12);
  });

  it("does not hoist nested declarations either", () => {
    expect(() => run("function outer() { var v = inner(); function inner() { return 1; } return v; } outer();")).toThrow(/is not a function/);
  });
});

describe("runLikeEspruino", () => {
  it.each(["Map", "Set", "Symbol", "WeakMap"])("has no %s", (name) => {
    expect(runLikeEspruino(`var t = typeof ${name};`).t).toBe("undefined");
  });

  it.each(["Math.imul", "Math.trunc", "Array.from", "Number.isInteger", "String.prototype.padStart"])("has no %s", (name) => {
    expect(runLikeEspruino(`var t = typeof ${name};`).t).toBe("undefined");
  });

  it("still has what Espruino has", () => {
    expect(runLikeEspruino("var t = [typeof Math.floor, typeof [].slice, typeof String.fromCharCode].join();").t)
      .toBe("function,function,function");
  });

  it("passes extra globals in and does not hoist", () => {
    expect(runLikeEspruino("var r = hook(2);", { hook: (n: number) => n + 1 }).r).toBe(3);
    expect(() => runLikeEspruino("var r = f(); function f() { return 1; }")).toThrow(/is not a function/);
  });
});

describe("dist/espruino/tokensmith-core.js (after npm run build)", () => {
  const artifact = path.join(root, "dist/espruino/tokensmith-core.js");

  it("exists", () => {
    expect(existsSync(artifact), "run `npm run build` first").toBe(true);
  });

  it("passes the ES5 checks and runs like Espruino", () => {
    const code = readFileSync(artifact, "utf8");
    expect(findEs5Problems(code)).toEqual([]);
    const context = runLikeEspruino(code);
    expect(context.TokensmithCore.hotp("3132333435363738393031323334353637383930", 1, 6, "SHA1")).toBe("287082");
  });
});

describe("bundleForEspruino", () => {
  it("bundles well-formed modules into one working script", () => {
    const bundle = bundleForEspruino(path.join(fixtures, "espruino-ok/entry.ts"), "Fixture", root);
    expect(bundle.exports).toEqual(["quadruple"]);
    expect(findEs5Problems(bundle.code)).toEqual([]);
    expect(runLikeEspruino(bundle.code).Fixture.quadruple(3)).toBe(12);
  });

  it("refuses a top-level name declared in two modules, naming both", () => {
    expect(() => bundleForEspruino(path.join(fixtures, "espruino-collision/entry.ts"), "Fixture", root)).toThrow(
      /top-level name "helper" is declared in both \S*espruino-collision\/first\.ts and \S*espruino-collision\/second\.ts/,
    );
  });

  it("refuses a renamed import, quoting it", () => {
    expect(() => bundleForEspruino(path.join(fixtures, "espruino-renamed/entry.ts"), "Fixture", root)).toThrow(
      /espruino-renamed\/entry\.ts: imports must not be renamed.*double as twice/,
    );
  });
});
