/**
 * The Lua bundles built by `npm run build` (tools/build/lua-bundle.ts):
 * - tokensmith-core-51.lua must parse on NodeMCU ESP8266's Lua 5.1: no `goto`, and no 5.3
 *   operator tokens (`//`, `&`, `|`, `~`, `<<`, `>>`); bit work goes through the `bit` module.
 * - tokensmith-core-53.lua must run on NodeMCU ESP32's 32-bit-integer Lua 5.3: no decimal
 *   literal in [2^31, 2^32), which would be a float there (lua-hex-literals.cjs prints them hex).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Lua source with comments and string literals blanked out (newlines kept), leaving code. */
function luaCodeOnly(source: string): string {
  let out = "";
  let i = 0;
  const longBracketAt = (at: number): number => {
    // Level of a long bracket `[==[` starting at `at`, or -1.
    const match = /^\[(=*)\[/.exec(source.slice(at, at + 64));
    return match ? match[1].length : -1;
  };
  const skipLongBracket = (at: number, level: number): number => {
    const close = "]" + "=".repeat(level) + "]";
    const end = source.indexOf(close, at + level + 2);
    if (end < 0) throw new Error("unterminated long bracket at offset " + at);
    return end + close.length;
  };
  const blank = (from: number, to: number) => source.slice(from, to).replace(/[^\n]/g, " ");
  while (i < source.length) {
    const c = source[i];
    if (source.startsWith("--", i)) {
      const level = longBracketAt(i + 2);
      const end = level >= 0 ? skipLongBracket(i + 2, level) : (source.indexOf("\n", i) + 1 || source.length);
      out += blank(i, end);
      i = end;
    } else if (c === "[" && longBracketAt(i) >= 0) {
      const end = skipLongBracket(i, longBracketAt(i));
      out += blank(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        j += source[j] === "\\" ? 2 : 1;
      }
      if (j >= source.length) throw new Error("unterminated string at offset " + i);
      out += blank(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** 5.3-only syntax found in Lua code: goto and the integer-division and bitwise operators. */
function lua53OnlySyntax(source: string): string[] {
  const code = luaCodeOnly(source);
  const found: string[] = [];
  const patterns: [string, RegExp][] = [
    ["goto", /\bgoto\b/g],
    ["//", /\/\//g],
    ["<<", /<</g],
    [">>", />>/g],
    ["&", /&/g],
    ["|", /\|/g],
    ["~ (not ~=)", /~(?!=)/g],
  ];
  for (const [name, pattern] of patterns) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split("\n").length;
      found.push(`${name} on line ${line}`);
    }
  }
  return found;
}

/** Decimal numeric literals in Lua code whose value is in [2^31, 2^32). */
function decimalWordLiterals(source: string): string[] {
  const code = luaCodeOnly(source);
  const found: string[] = [];
  // A number not glued to an identifier or another number; hex literals are taken whole so
  // their digits are not read as decimals.
  for (const match of code.matchAll(/(?<![\w.])(0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/g)) {
    const text = match[1];
    if (/^0[xX]/.test(text)) continue;
    const value = Number(text);
    if (value >= 2147483648 && value <= 4294967295) found.push(text);
  }
  return found;
}

function readArtifact(name: string): string {
  const file = path.join(root, "dist/lua", name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return readFileSync(file, "utf8");
}

describe("the Lua scanners used below", () => {
  it("see operators in code but not in strings or comments", () => {
    const lua = [
      "local s = \"a & b | c // d << e >> f ~ g goto\" .. 'x & y'",
      "-- a & b // c",
      "--[==[ a | b ]] still comment ]==]",
      "local t = [[ a ~ b ]]",
      "if a ~= b then return end",
    ].join("\n");
    expect(lua53OnlySyntax(lua)).toEqual([]);
    expect(lua53OnlySyntax("local x = a & b\nlocal y = a // 2\n::l:: goto l\nlocal z = ~a")).toEqual([
      "goto on line 3", "// on line 2", "& on line 1", "~ (not ~=) on line 4",
    ]);
  });

  it("find decimal literals in [2^31, 2^32) and nothing else", () => {
    const lua = "local a = 4294967295\nlocal b = 0xFFFFFFFF\nlocal c = 2147483647\nlocal d = 2147483648.0\n-- 3988292384\nlocal e = \"4294967295\"\nlocal f = x1234567890123";
    expect(decimalWordLiterals(lua)).toEqual(["4294967295", "2147483648.0"]);
  });
});

describe("dist/lua/tokensmith-core-51.lua (Lua 5.1 + bitop)", () => {
  it("has no goto and no Lua 5.3 operator tokens", () => {
    expect(lua53OnlySyntax(readArtifact("tokensmith-core-51.lua"))).toEqual([]);
  });

  it("does its bit work through the bit module", () => {
    const code = readArtifact("tokensmith-core-51.lua");
    for (const call of ["bit.band(", "bit.bor(", "bit.bxor(", "bit.lshift(", "bit.rshift("]) {
      expect(code).toContain(call);
    }
  });
});

describe("dist/lua/tokensmith-core-53.lua (Lua 5.3, also with 32-bit integers)", () => {
  it("has no decimal literal from 2^31 to 2^32 - 1", () => {
    expect(decimalWordLiterals(readArtifact("tokensmith-core-53.lua"))).toEqual([]);
  });

  it("prints such words as hex instead", () => {
    const code = readArtifact("tokensmith-core-53.lua");
    expect(code).toContain("0xEDB88320"); // CRC-32 polynomial, reflected
    expect(code).toContain("0xFFFFFFFF"); // the lowering of >>>
    expect(code).not.toContain("4294967295");
    expect(code).not.toContain("3988292384");
  });

  it("uses the native 5.3 operators, not the bit module", () => {
    const code = readArtifact("tokensmith-core-53.lua");
    expect(code).not.toMatch(/\bbit\.b?(and|or|xor|lshift|rshift)\(/);
    expect(lua53OnlySyntax(code).length).toBeGreaterThan(0);
  });
});
