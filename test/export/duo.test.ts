/**
 * Duo "Import Hardware Tokens" text, read back the way Duo would: split lines and commas, hex
 * secret, third column = TOTP step (default 30) or HOTP counter; codes compared with otplib.
 */
import { describe, expect, it } from "vitest";
import { duoImportLine, duoImportSections, duoImportText, duoTokenType } from "../../host/export/duo.js";
import { ExportError, type ExportToken } from "../../host/export/types.js";
import { TIMES, hexToBytes, makeToken, oracleCode, originalCodes } from "./support.js";

/** An independent reader of one Duo section, given the type the administrator picked. */
function readDuoSection(text: string, tokenType: string) {
  expect(text.endsWith("\n")).toBe(true);
  const lines = text.slice(0, -1).split("\n");
  return lines.map((line) => {
    const fields = line.split(",");
    expect(fields.length === 2 || fields.length === 3, line).toBe(true);
    const [serial, hex, third] = fields;
    expect(hex).toMatch(/^(?:[0-9a-f]{2})+$/); // lowercase hex, no spaces, no 0x
    expect(serial).not.toMatch(/["'\s]/);
    const kind = tokenType.startsWith("t") ? ("totp" as const) : ("hotp" as const);
    return {
      serial,
      secret: hexToBytes(hex),
      kind,
      algorithm: "SHA1" as const,
      digits: Number(tokenType.slice(1)),
      period: kind === "totp" ? (third === undefined ? 30 : Number(third)) : 30,
      counter: kind === "hotp" ? (third === undefined ? 0 : Number(third)) : 0,
    };
  });
}

function expectSameCodes(original: ExportToken, read: ReturnType<typeof readDuoSection>[number]) {
  expect(read.serial).toBe(original.serial);
  expect(Buffer.from(read.secret).equals(Buffer.from(original.secret))).toBe(true);
  expect(TIMES.map((t) => oracleCode(read.secret, read, t))).toEqual(originalCodes(original));
}

describe("Duo import text", () => {
  const t30 = makeToken();
  const t60 = makeToken({ period: 60 });
  const t8 = makeToken({ digits: 8 });
  const h6 = makeToken({ kind: "hotp", counter: 0 });
  const h6c = makeToken({ kind: "hotp", counter: 1234 });
  const h8 = makeToken({ kind: "hotp", digits: 8, counter: 7 });
  const all = [t30, h8, t60, h6, t8, h6c];

  it("makes one section per Duo token type, in the order of Duo's dropdown, with Duo's titles", () => {
    const sections = duoImportSections(all);
    expect(sections.map((s) => [s.tokenType, s.title, s.count])).toEqual([
      ["h6", "HOTP 6-digit", 2],
      ["h8", "HOTP 8-digit", 1],
      ["t6", "TOTP 6-digit", 2],
      ["t8", "TOTP 8-digit", 1],
    ]);
  });

  it("writes serial,lowercase-hex with ,60 only for 60-second TOTP and the counter only when non-zero", () => {
    const t6 = duoImportSections(all).find((s) => s.tokenType === "t6")!;
    const hex = (t: ExportToken) => Buffer.from(t.secret).toString("hex");
    expect(t6.text).toBe(`${t30.serial},${hex(t30)}\n${t60.serial},${hex(t60)},60\n`);
    const h = duoImportSections(all).find((s) => s.tokenType === "h6")!;
    expect(h.text).toBe(`${h6.serial},${hex(h6)}\n${h6c.serial},${hex(h6c)},1234\n`);
    expect(h.text).not.toMatch(/serial|secret|"/i); // no header, no quotes
  });

  it("reads back to the same secrets and the same codes (otplib) for every type", () => {
    for (const section of duoImportSections(all)) {
      const read = readDuoSection(section.text, section.tokenType);
      const originals = all.filter((t) => duoTokenType(t) === section.tokenType);
      expect(read.length).toBe(originals.length);
      read.forEach((r, i) => expectSameCodes(originals[i], r));
    }
  });

  it("a 60-second token read as if the column were missing would give wrong codes (the column matters)", () => {
    const [line] = readDuoSection(duoImportText([t60], "t6"), "t6");
    expect(line.period).toBe(60);
    const wrong = TIMES.map((t) => oracleCode(line.secret, { ...line, period: 30 }, t));
    expect(wrong).not.toEqual(originalCodes(t60));
  });

  it("duoImportText gives one type's text and refuses tokens of another type", () => {
    expect(duoImportText([t30, t60], "t6")).toBe(duoImportSections([t30, t60])[0].text);
    expect(() => duoImportText([t30, t8], "t6")).toThrow(/is TOTP 8-digit, not TOTP 6-digit/);
    expect(duoImportText([], "h8")).toBe("");
  });

  it("duoImportLine gives one line without a newline, for appending as tokens are verified", () => {
    expect(duoImportLine(t60)).toBe(`${t60.serial},${Buffer.from(t60.secret).toString("hex")},60`);
    expect(duoTokenType(h8)).toBe("h8");
  });

  it("allows the same serial under two Duo types ((type, serial) is Duo's key)", () => {
    const a = makeToken({ serial: "SAME-1" });
    const b = makeToken({ serial: "SAME-1", kind: "hotp" });
    expect(duoImportSections([a, b]).map((s) => s.count)).toEqual([1, 1]);
  });

  it("reports every bad token at once, each by serial", () => {
    const error = (() => {
      try {
        duoImportSections([makeToken({ serial: "A1", algorithm: "SHA256" }), makeToken({ serial: "B2", digits: 7 }), makeToken({ serial: "C3", period: 45 })]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ExportError);
    const problems = (error as ExportError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"A1".*SHA256.*only SHA-1/);
    expect(problems[1]).toMatch(/"B2".*7 digits/);
    expect(problems[2]).toMatch(/"C3".*45-second.*30 or 60/);
    expect((error as Error).message).toMatch(/Nothing was exported/);
  });
});
