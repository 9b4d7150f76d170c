/**
 * The edges of the portable core's character classes and ranges, each tried on both sides: the
 * first and last letter and digit of each alphabet, the first and last printable character, the
 * bounds of a period, an odd hex digit count ending in '0'. Mutation testing (npm run mutation)
 * found each of these untried: a '<=' for a '<' there passed every other suite.
 */
import { describe, expect, it } from "vitest";
import { base32ToBytes } from "../../shared/codec/base32.js";
import { parseWhole } from "../../shared/codec/decimal.js";
import { hexToBytes } from "../../shared/codec/hex.js";
import { wordByte } from "../../shared/codec/words.js";
import { describeCharacter } from "../../shared/fail.js";
import { isLabel } from "../../shared/label.js";
import { checkPeriod, MAX_PERIOD, MIN_PERIOD } from "../../shared/otp/params.js";
import { isSerial, isSerialPrefix } from "../../shared/serial.js";

describe("hex", () => {
  it("reads the first and last digit and letter of each range, in either case", () => {
    expect(hexToBytes("09afAF")).toEqual([0x09, 0xaf, 0xaf]);
    expect(hexToBytes("Ff0A")).toEqual([0xff, 0x0a]);
  });

  it("refuses an odd count of digits even when the last one is 0 (not dropped)", () => {
    expect(() => hexToBytes("ab0")).toThrow(/odd number of digits/);
    expect(() => hexToBytes("0")).toThrow(/odd number of digits/);
  });

  it("skips the separators people paste (space, dash, tab, line ends) and nothing else", () => {
    expect(hexToBytes("ab cd-ef\t01\r\n23")).toEqual([0xab, 0xcd, 0xef, 0x01, 0x23]);
    expect(() => hexToBytes("ab_cd")).toThrow(/invalid hex character '_' at position 3/);
  });
});

describe("Base32", () => {
  it("reads A (0), Z (25), a, z, 2 (26) and 7 (31)", () => {
    expect(base32ToBytes("AAAAAAAA")).toEqual([0, 0, 0, 0, 0]);
    expect(base32ToBytes("aaaaaaaa")).toEqual([0, 0, 0, 0, 0]);
    // 8 symbols of 26 (11010) and of 31 (11111): 40 bits each.
    expect(base32ToBytes("22222222")).toEqual([0xd6, 0xb5, 0xad, 0x6b, 0x5a]);
    expect(base32ToBytes("77777777")).toEqual([0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(base32ToBytes("ZZZZZZZZ")).toEqual(base32ToBytes("zzzzzzzz"));
  });

  it("refuses the characters just outside: @ [ ` { 1 8", () => {
    for (const c of ["@", "[", "`", "{", "1", "8"]) expect(() => base32ToBytes(c.repeat(8)), c).toThrow(/invalid Base32 character/);
  });
});

describe("numbers and words", () => {
  it("parseWhole: an empty field is not a number", () => {
    expect(parseWhole("")).toBe(-1);
    expect(parseWhole("0")).toBe(0);
  });

  it("wordByte takes bytes from the most significant end", () => {
    expect([0, 1, 2, 3].map((k) => wordByte(0x01020304, k))).toEqual([1, 2, 3, 4]);
  });

  it("a period of exactly 1 and of exactly 65535 seconds is accepted; 0 and 65536 are not", () => {
    expect(() => checkPeriod(MIN_PERIOD)).not.toThrow();
    expect(() => checkPeriod(MAX_PERIOD)).not.toThrow();
    expect(() => checkPeriod(MIN_PERIOD - 1)).toThrow(/period/);
    expect(() => checkPeriod(MAX_PERIOD + 1)).toThrow(/period/);
  });
});

describe("messages name printable characters, and bytes otherwise", () => {
  it("'!' (33) and '~' (126) are shown as characters; space (32) and DEL (127) as bytes", () => {
    expect(describeCharacter("a!", 1)).toBe("'!' at position 2");
    expect(describeCharacter("~", 0)).toBe("'~' at position 1");
    expect(describeCharacter(" ", 0)).toBe("byte 32 at position 1");
    expect(describeCharacter("\u007f", 0)).toBe("byte 127 at position 1");
  });
});

describe("labels and serials at the edges of their alphabets", () => {
  it("labels take 0 9 A Z a z", () => {
    for (const c of ["0", "9", "A", "Z", "a", "z"]) expect(isLabel(c), c).toBe(true);
    for (const c of ["/", ":", "@", "[", "`", "{"]) expect(isLabel(c), c).toBe(c === "/");
  });

  it("serials take 0 9 A Z a z; a prefix must not end in a digit, 0 included", () => {
    for (const c of ["0", "9", "A", "Z", "a", "z"]) expect(isSerial(c), c).toBe(true);
    for (const c of ["@", "[", "`", "{"]) expect(isSerial("A" + c), c).toBe(false);
    expect(isSerialPrefix("TS", 6)).toBe(true);
    expect(isSerialPrefix("TS0", 6)).toBe(false);
    expect(isSerialPrefix("TS9", 6)).toBe(false);
    expect(isSerialPrefix("T S", 6)).toBe(false);
    expect(isSerialPrefix("", 6)).toBe(false);
  });
});
