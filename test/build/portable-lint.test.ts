/**
 * tools/lint/portable-subset.ts: each rule flags a minimal snippet (rule id and line) and leaves
 * a near miss alone; the CLI's output and exit code; and the real shared/ folder is clean.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintPortableFolder, lintPortableSource } from "../../tools/lint/portable-subset.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Case {
  name: string;
  /** Must be flagged with exactly these "rule@line" entries. */
  bad: string;
  expected: string[];
  /** A near miss that must not be flagged at all. */
  good: string;
}

/** Wraps a body in an exported function so the snippet is a module; the body starts on line 2. */
function fn(params: string, body: string, returns = "void"): string {
  return `export function f(${params}): ${returns} {\n${body}\n}\n`;
}

const CASES: Case[] = [
  // Rule 4
  { name: ">>", bad: fn("x: number", "  return x >> 1;", "number"), expected: ["rule-4@2"],
    good: fn("x: number", "  return x >>> 1;", "number") },
  { name: ">>=", bad: fn("x: number", "  x >>= 1;\n  return x;", "number"), expected: ["rule-4@2"],
    good: fn("x: number", "  x >>>= 1;\n  return x;", "number") },
  // Rule 5
  { name: "/", bad: fn("a: number, b: number", "  return a / b;", "number"), expected: ["rule-5@2"],
    good: fn("a: number, b: number", "  // a / b\n  /* a / b */\n  return a * b + \"a / b\".length;", "number") },
  { name: "/=", bad: fn("a: number", "  a /= 2;\n  return a;", "number"), expected: ["rule-5@2"],
    good: fn("a: number", "  a *= 2;\n  return a;", "number") },
  // Rule 6
  { name: "**", bad: fn("x: number", "  return x ** 2;", "number"), expected: ["rule-6@2"],
    good: fn("x: number", "  return x * x; // x ** 2", "number") },
  { name: "Math.imul", bad: fn("a: number, b: number", "  return Math.imul(a, b);", "number"), expected: ["rule-6@2"],
    good: fn("a: number, b: number", "  return Math.max(a, b);", "number") },
  { name: "Math.trunc", bad: fn("a: number", "  return Math.trunc(a);", "number"), expected: ["rule-6@2"],
    good: fn("a: number", "  return Math.floor(a);", "number") },
  // Rule 8
  { name: "toString(16)", bad: fn("n: number", "  return n.toString(16);", "string"), expected: ["rule-8@2"],
    good: fn("n: number", "  return String(n);", "string") },
  { name: "parseInt", bad: fn("s: string", "  return parseInt(s, 16);", "number"), expected: ["rule-8@2"],
    good: fn("s: string", "  return s.charCodeAt(0) - 48;", "number") },
  { name: "parseFloat", bad: fn("s: string", "  return parseFloat(s);", "number"), expected: ["rule-8@2"],
    good: fn("s: string", "  return s.length;", "number") },
  { name: "padStart", bad: fn("s: string", "  return s.padStart(6, \"0\");", "string"), expected: ["rule-8@2"],
    good: fn("s: string", "  return \"000000\".substring(0, 6 - s.length) + s;", "string") },
  { name: "padEnd", bad: fn("s: string", "  return s.padEnd(6);", "string"), expected: ["rule-8@2"],
    good: fn("s: string", "  return s + \" \";", "string") },
  { name: "toFixed", bad: fn("n: number", "  return n.toFixed(2);", "string"), expected: ["rule-8@2"],
    good: fn("n: number", "  return \"\" + String(n);", "string") },
  // Rule 9
  { name: "regular expression literal", bad: fn("s: string", "  return /ab+c/.test(s);", "boolean"), expected: ["rule-9@2"],
    good: fn("s: string", "  return s === \"/ab+c/\";", "boolean") },
  { name: "new RegExp", bad: fn("s: string", "  return new RegExp(\"a\").test(s);", "boolean"), expected: ["rule-9@2"],
    good: fn("o: { RegExp: number }", "  return o.RegExp === 1;", "boolean") },
  { name: "s[i]", bad: fn("s: string, i: number", "  return s[i];", "string"), expected: ["rule-9@2"],
    good: fn("s: string, i: number", "  return s.charCodeAt(i);", "number") },
  { name: "arr[i] is not a string index", bad: fn("s: string", "  return \"abc\"[0] + s;", "string"), expected: ["rule-9@2"],
    good: fn("arr: number[], i: number", "  return arr[i];", "number") },
  // Rule 10
  { name: "new Array", bad: fn("", "  return new Array(4);", "number[]"), expected: ["rule-10@2"],
    good: fn("", "  const a: number[] = [];\n  a.push(0);\n  return a;", "number[]") },
  { name: "Uint8Array", bad: fn("", "  return new Uint8Array(4).length;", "number"), expected: ["rule-10@2"],
    good: fn("o: { Uint8Array: number }", "  return o.Uint8Array;", "number") },
  { name: "Int32Array type", bad: "export function f(\n  a: Int32Array): number {\n  return a.length;\n}\n",
    expected: ["rule-10@2"], good: fn("a: number[]", "  return a.length;", "number") },
  // Rule 11
  { name: "if (number)", bad: fn("x: number", "  if (x) {\n    x = 1;\n  }"), expected: ["rule-11@2"],
    good: fn("x: number", "  if (x !== 0) {\n    x = 1;\n  }") },
  { name: "while (string)", bad: fn("s: string", "  while (s) {\n    s = \"\";\n  }"), expected: ["rule-11@2"],
    good: fn("s: string", "  while (s !== \"\") {\n    s = \"\";\n  }") },
  { name: "ternary on a number", bad: fn("x: number", "  return x ? 1 : 2;", "number"), expected: ["rule-11@2"],
    good: fn("x: number", "  return x > 0 ? 1 : 2;", "number") },
  { name: "! on a string", bad: fn("s: string", "  return !s;", "boolean"), expected: ["rule-11@2"],
    good: fn("b: boolean", "  return !b;", "boolean") },
  { name: "|| default on a number", bad: fn("x: number", "  return x || 5;", "number"), expected: ["rule-11@2"],
    good: fn("x: number", "  return x === 0 ? 5 : x;", "number") },
  { name: "number on the right of && in a condition", bad: fn("b: boolean, x: number", "  if (b && (x)) {\n    b = false;\n  }"),
    expected: ["rule-11@2"], good: fn("b: boolean, o: { n: number } | undefined", "  if (b && o !== undefined && o.n > 0) {\n    b = false;\n  }") },
  { name: "for condition and optional number", bad: fn("n?: number", "  for (; n; ) {\n    n = 0;\n  }"), expected: ["rule-11@2"],
    good: fn("n: number", "  for (let i = 0; i < n; i++) {\n    n = 0;\n  }") },
  // Rule 12
  { name: "continue", bad: fn("a: number[]", "  for (let i = 0; i < a.length; i++) { if (a[i] === 0) continue; a[i] = 1; }"),
    expected: ["rule-12@2"], good: fn("a: number[]", "  for (let i = 0; i < a.length; i++) { if (a[i] === 0) break; a[i] = 1; }") },
  // Rule 13
  { name: "new Error", bad: fn("", "  throw new Error(\"bad\");"), expected: ["rule-13@2"],
    good: fn("", "  throw \"tokensmith: bad\";") },
  { name: "new RangeError", bad: fn("", "  throw new RangeError(\"bad\");"), expected: ["rule-13@2"],
    good: fn("fail: (m: string) => never", "  fail(\"Error\");") },
  // Rule 14
  { name: "Map", bad: fn("", "  return new Map<string, number>().size;", "number"), expected: ["rule-14@2"],
    good: fn("", "  const m: { [k: string]: number } = {};\n  m[\"a\"] = 1;\n  return m[\"a\"];", "number") },
  { name: "Set", bad: fn("", "  return new Set<number>().size;", "number"), expected: ["rule-14@2"],
    good: fn("o: { Set: number }", "  return o.Set;", "number") },
  { name: "WeakMap", bad: fn("", "  return new WeakMap<object, number>() !== null;", "boolean"), expected: ["rule-14@2"],
    good: fn("", "  return true;", "boolean") },
  { name: "Symbol", bad: fn("", "  return typeof Symbol(\"x\");", "string"), expected: ["rule-14@2"],
    good: fn("", "  return \"Symbol\";", "string") },
  { name: "getter", bad: "export class C {\n  get x(): number { return 1; }\n}\n", expected: ["rule-14@2"],
    good: "export class C {\n  x(): number { return 1; }\n}\n" },
  { name: "setter", bad: "export class C {\n  set x(v: number) { this.y = v; }\n  y = 0;\n}\n", expected: ["rule-14@2"],
    good: "export class C {\n  setX(v: number): void { this.y = v; }\n  y = 0;\n}\n" },
  { name: "generator", bad: "export const n = 1;\nexport function* g(): Generator<number> { yield n; }\n", expected: ["rule-14@2"],
    good: "export const n = 1;\nexport function g(): number { return n; }\n" },
  { name: "async and await", bad: "export const p = Promise.resolve(1);\nexport async function g(): Promise<number> {\n  return await p;\n}\n",
    expected: ["rule-14@2", "rule-14@3"], good: "export const p = 1;\nexport function g(): number {\n  return p;\n}\n" },
  { name: "spread element", bad: fn("a: number[]", "  return [...a];", "number[]"), expected: ["rule-14@2"],
    good: fn("a: number[]", "  return a.slice(0);", "number[]") },
  { name: "object spread", bad: fn("o: { a: number }", "  return { ...o };", "{ a: number }"), expected: ["rule-14@2"],
    good: fn("o: { a: number }", "  return { a: o.a };", "{ a: number }") },
  { name: "rest parameter", bad: "export function f(\n  ...xs: number[]): number {\n  return xs.length;\n}\n", expected: ["rule-14@2"],
    good: "export function f(\n  xs: number[]): number {\n  return xs.length;\n}\n" },
  { name: "object destructuring", bad: fn("o: { a: number }", "  const { a } = o;\n  return a;", "number"), expected: ["rule-14@2"],
    good: fn("o: { a: number }", "  const a = o.a;\n  return a;", "number") },
  { name: "array destructuring", bad: fn("p: number[]", "  const [a] = p;\n  return a;", "number"), expected: ["rule-14@2"],
    good: fn("p: number[]", "  const a = p[0];\n  return a;", "number") },
  { name: "destructuring assignment", bad: fn("a: number, b: number", "  [a, b] = [b, a];\n  return a + b;", "number"),
    expected: ["rule-14@2"], good: fn("a: number, b: number", "  const t = a;\n  a = b;\n  b = t;\n  return a + b;", "number") },
  { name: "default parameter", bad: "export function f(\n  x = 1): number {\n  return x;\n}\n", expected: ["rule-14@2"],
    good: "export function f(\n  x?: number): number {\n  return x === undefined ? 1 : x;\n}\n" },
  // Rule 15
  { name: "console", bad: fn("", "  console.log(\"%d\", 1);"), expected: ["rule-15@2"],
    good: fn("log: (m: string) => void", "  log(\"1\");") },
  { name: "file without import or export", bad: "function f(): number {\n  return 1;\n}\nf();\n", expected: ["rule-15@1"],
    good: "function f(): number {\n  return 1;\n}\nexport const one = f();\n" },
  // Espruino
  { name: "Array.prototype", bad: fn("a: number[]", "  return Array.prototype.slice.call(a);", "number[]"), expected: ["espruino-quirk@2"],
    good: fn("a: number[]", "  return [].slice.call(a);", "number[]") },
  { name: "Number.isInteger", bad: fn("x: number", "  return Number.isInteger(x);", "boolean"), expected: ["espruino-quirk@2"],
    good: fn("x: number", "  return Math.floor(x) === x;", "boolean") },
  { name: "optional chaining", bad: fn("o: { a: number } | undefined", "  return o?.a;", "number | undefined"),
    expected: ["espruino-quirk@2"], good: fn("o: { a: number } | undefined", "  return o !== undefined ? o.a : undefined;", "number | undefined") },
  { name: "??", bad: fn("x: number | undefined", "  return x ?? 0;", "number"), expected: ["espruino-quirk@2"],
    good: fn("x: number | undefined", "  return x === undefined ? 0 : x;", "number") },
  { name: "||=", bad: fn("o: { b: boolean }", "  o.b ||= true;"), expected: ["espruino-quirk@2"],
    good: fn("o: { b: boolean }", "  o.b = o.b || true;") },
  { name: "&&=", bad: fn("o: { b: boolean }", "  o.b &&= false;"), expected: ["espruino-quirk@2"],
    good: fn("o: { b: boolean }", "  o.b = o.b && false;") },
  { name: "??=", bad: fn("o: { n?: number }", "  o.n ??= 1;"), expected: ["espruino-quirk@2"],
    good: fn("o: { n?: number }", "  if (o.n === undefined) o.n = 1;") },
  { name: "computed key", bad: fn("k: string", "  return { [k]: 1 };", "object"), expected: ["espruino-quirk@2"],
    good: fn("k: string", "  const o: { [key: string]: number } = {};\n  o[k] = 1;\n  return o;", "object") },
  { name: "tagged template", bad: fn("tag: (s: TemplateStringsArray) => string", "  return tag`x`;", "string"),
    expected: ["espruino-quirk@2"], good: fn("tag: (s: string) => string", "  return tag(\"x\");", "string") },
  { name: "label", bad: fn("a: number[]", "  outer: for (let i = 0; i < a.length; i++) { if (a[i] === 0) break outer; }"),
    expected: ["espruino-quirk@2"], good: fn("a: number[]", "  for (let i = 0; i < a.length; i++) { if (a[i] === 0) break; }") },
  // Costly or divergent constructs
  { name: "for...of", bad: fn("a: number[]", "  for (const v of a) { a.push(v); }"), expected: ["for-of-in@2"],
    good: fn("a: number[]", "  for (let i = 0; i < a.length; i++) { a.push(a[i]); }") },
  { name: "for...in", bad: fn("o: { [k: string]: number }", "  for (const k in o) { o[k] = 0; }"), expected: ["for-of-in@2"],
    good: fn("o: { [k: string]: number }", "  o[\"a\"] = 0;") },
  { name: "template literal", bad: fn("x: number", "  return `x=${x}`;", "string"), expected: ["template-literal@2"],
    good: fn("x: number", "  return \"x=\" + String(x);", "string") },
  { name: "template literal without substitutions", bad: fn("", "  return `plain`;", "string"), expected: ["template-literal@2"],
    good: fn("", "  return \"plain\";", "string") },
];

function flagged(code: string): string[] {
  return lintPortableSource("snippet.ts", code).map((p) => `${p.rule}@${p.line}`);
}

describe("lintPortableSource", () => {
  it.each(CASES)("flags $name", ({ bad, expected }) => {
    expect(flagged(bad)).toEqual(expected);
  });

  it.each(CASES)("leaves the near miss of $name alone", ({ good }) => {
    expect(flagged(good)).toEqual([]);
  });

  it("reports file, 1-based line and column, and a message", () => {
    const [problem] = lintPortableSource("shared/x.ts", "export const y = 1;\nexport const z = y  >> 1;\n");
    expect(problem).toEqual({ file: "shared/x.ts", line: 2, column: 21, rule: "rule-4", message: expect.stringContaining(">>>") });
  });

  it("reports every problem in a file, in source order", () => {
    const code = fn("x: number, s: string", "  const c = s[0];\n  if (x) {\n    x = x / 2;\n  }\n  return c;", "string");
    expect(flagged(code)).toEqual(["rule-9@2", "rule-11@3", "rule-5@4"]);
  });
});

describe("npm run lint (the CLI)", () => {
  const cli = path.join(root, "tools/lint/portable-subset.ts");
  const run = (...args: string[]) =>
    execFileSync(process.execPath, ["--import", "tsx", cli, ...args], { cwd: root, encoding: "utf8", stdio: "pipe" });

  it("prints file:line:col rule message and exits 1 on problems", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "portable-lint-"));
    try {
      writeFileSync(path.join(dir, "bad.ts"), "export function f(x: number): number {\n  return x >> 1;\n}\n");
      writeFileSync(path.join(dir, "good.ts"), "export const one = 1;\n");
      let status = 0;
      let stdout = "";
      try {
        run(dir);
      } catch (error) {
        status = (error as { status: number }).status;
        stdout = (error as { stdout: string }).stdout;
      }
      expect(status).toBe(1);
      expect(stdout).toMatch(/^\S*bad\.ts:2:12 rule-4 .+$/m);
      expect(stdout).not.toMatch(/good\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 0 with a one-line summary when there are no problems", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "portable-lint-"));
    try {
      writeFileSync(path.join(dir, "good.ts"), "export const one = 1;\n");
      expect(run(dir).trim()).toBe("portable-subset: 1 file, no problems");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the real shared/ folder", () => {
  it("follows the portable subset", () => {
    const { files, problems } = lintPortableFolder();
    expect(files.length).toBeGreaterThan(10);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.rule} ${p.message}`)).toEqual([]);
  });
});
