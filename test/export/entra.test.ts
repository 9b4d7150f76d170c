/** Entra ID hardware OATH CSV, read back with csv-parse; Base32 decoded here and by otplib. */
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { ENTRA_CSV_HEADER, entraCsv, entraCsvRow } from "../../host/export/entra.js";
import { ExportError, type ExportToken } from "../../host/export/types.js";
import { TIMES, decodeBase32, makeToken, oracleCode, originalCodes } from "./support.js";

const HEADER = ["upn", "serial number", "secret key", "time interval", "manufacturer", "model"];

function readEntra(csv: string): Record<string, string>[] {
  const records = parse(csv, { columns: true, record_delimiter: "\r\n", relax_quotes: false }) as Record<string, string>[];
  return records;
}

function expectRoundTrip(tokens: ExportToken[], csv: string) {
  const rows = readEntra(csv);
  expect(rows).toHaveLength(tokens.length);
  rows.forEach((row, i) => {
    const token = tokens[i];
    expect(Object.keys(row)).toEqual(HEADER);
    expect(row["serial number"]).toBe(token.serial);
    const key = row["secret key"];
    expect(key).toMatch(/^[A-Z2-7]+$/); // no padding, no lowercase
    expect(key.length).toBeLessThanOrEqual(128);
    expect(Buffer.from(decodeBase32(key)).equals(Buffer.from(token.secret))).toBe(true);
    const read = { kind: "totp" as const, algorithm: token.algorithm, digits: 6, period: Number(row["time interval"]), counter: 0 };
    // otplib decodes the Base32 itself (its scure plugin): a second, independent decoder.
    expect(TIMES.map((t) => oracleCode(key, read, t))).toEqual(originalCodes(token));
  });
}

describe("Entra ID hardware OATH CSV", () => {
  it("writes the exact header and one CRLF row per token", () => {
    const a = makeToken({ upn: "alice@contoso.com" });
    const csv = entraCsv([a]);
    expect(csv.split("\r\n")[0]).toBe(ENTRA_CSV_HEADER);
    expect(ENTRA_CSV_HEADER).toBe(HEADER.join(","));
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.split("\r\n")).toHaveLength(3);
  });

  it("reads back to the same secrets and codes, 30 and 60 s", () => {
    const tokens = [
      makeToken({ upn: "alice@contoso.com" }),
      makeToken({ upn: "bob@contoso.com", period: 60 }),
      makeToken({ upn: "dave@contoso.com", secret: new Uint8Array(80).fill(200) }), // 128 Base32 chars, the maximum
    ];
    expectRoundTrip(tokens, entraCsv(tokens));
  });

  it("refuses SHA-256 tokens: the CSV has no hash column and Entra would check them as SHA-1, so they would never sign in", () => {
    const sha256 = makeToken({ serial: "S256-1", upn: "carol@contoso.com", algorithm: "SHA256", secret: new Uint8Array(32).fill(9) });
    // What Entra would do with the row: its SHA-1 codes are not the token's.
    expect(oracleCode(sha256.secret, { ...sha256, algorithm: "SHA1" }, TIMES[0])).not.toBe(oracleCode(sha256.secret, sha256, TIMES[0]));
    expect(() => entraCsv([makeToken({ upn: "alice@contoso.com" }), sha256])).toThrow(/"S256-1".*uses SHA256, but the Entra ID CSV has no hash column.*re-provision it as SHA-1/s);
    expect(() => entraCsvRow(sha256)).toThrow(/no hash column/);
  });

  it("takes UPNs from the mapping for tokens without one, and manufacturer/model from options", () => {
    const a = makeToken({ serial: "S-1" });
    const b = makeToken({ serial: "S-2", upn: "own@contoso.com", model: "T2" });
    const csv = entraCsv([a, b], { upnFor: (s) => (s === "S-1" ? "mapped@contoso.com" : "wrong@contoso.com"), manufacturer: "Acme", model: "T1" });
    const rows = readEntra(csv);
    expect(rows.map((r) => [r.upn, r.manufacturer, r.model])).toEqual([
      ["mapped@contoso.com", "Acme", "T1"],
      ["own@contoso.com", "Acme", "T2"],
    ]);
  });

  it("quotes fields that need it (RFC 4180) so csv-parse reads them back intact", () => {
    const a = makeToken({ upn: "alice@contoso.com", manufacturer: 'Acme, "Tokens" Ltd', model: "T1, rev B" });
    const rows = readEntra(entraCsv([a]));
    expect(rows[0].manufacturer).toBe('Acme, "Tokens" Ltd');
    expect(rows[0].model).toBe("T1, rev B");
    expectRoundTrip([a], entraCsv([a]));
  });

  it("lists every serial without a UPN in one error", () => {
    const tokens = [makeToken({ serial: "N-1" }), makeToken({ serial: "N-2", upn: "x@contoso.com" }), makeToken({ serial: "N-3" })];
    expect(() => entraCsv(tokens, { upnFor: () => undefined })).toThrow(/no UPN for 2 tokens "N-1", "N-3".*assign/);
  });

  it("refuses what Entra cannot take, naming the token", () => {
    const upn = "u@contoso.com";
    const cases: Array<[Partial<ExportToken>, RegExp]> = [
      [{ kind: "hotp" }, /HOTP token.*only TOTP/],
      [{ digits: 8 }, /8 digits.*only 6-digit/],
      [{ period: 45 }, /45-second.*30 or 60/],
      [{ secret: new Uint8Array(81) }, /81 bytes \(130 Base32 characters\).*at most 128/],
      [{ serial: "=HYPERLINK(1)" }, /serial "=HYPERLINK\(1\)" starts with '='.*formula/],
      [{ model: "+cmd" }, /model "\+cmd" starts with '\+'/],
      [{ manufacturer: "@SUM(A1)" }, /manufacturer "@SUM\(A1\)" starts with '@'/],
      [{ upn: "-alice@contoso.com" }, /UPN "-alice@contoso.com" starts with '-'/],
      [{ upn: "alice" }, /UPN "alice" does not look like user@domain/],
      // Past the first character: a spreadsheet that splits at ';' runs the second cell.
      [{ upn: "a@x.com;=1+1@y.com" }, /UPN "a@x.com;=1\+1@y.com" holds a separator followed by a formula/],
      [{ model: "ok\t@SUM(A1)" }, /model .* (control character|separator)/],
      [{ manufacturer: "Acme|+cmd" }, /manufacturer "Acme\|\+cmd" holds a separator/],
      [{ model: "line\nbreak" }, /model .* control character/],
    ];
    for (const [overrides, message] of cases) {
      const token = makeToken({ upn, ...overrides });
      expect(() => entraCsv([token]), JSON.stringify(overrides)).toThrow(ExportError);
      expect(() => entraCsv([token])).toThrow(message);
      expect(() => entraCsv([token])).toThrow(token.serial.slice(0, 5));
    }
  });

  it("refuses duplicate serials and more than 5 tokens for one user", () => {
    expect(() => entraCsv([makeToken({ serial: "D", upn: "a@c.com" }), makeToken({ serial: "D", upn: "b@c.com" })])).toThrow(/"D": the serial appears 2 times/);
    const six = Array.from({ length: 6 }, (_, i) => makeToken({ upn: i % 2 ? "Same@c.com" : "same@c.com" }));
    expect(() => entraCsv(six)).toThrow(/"same@c.com" is given 6 tokens.*at most 5/);
    expect(() => entraCsv(six.slice(0, 5))).not.toThrow();
  });

  it("entraCsvRow gives one row without the line end", () => {
    const a = makeToken({ upn: "alice@contoso.com" });
    const row = entraCsvRow(a);
    expect(row).not.toMatch(/[\r\n]/);
    expectRoundTrip([a], ENTRA_CSV_HEADER + "\r\n" + row + "\r\n");
  });
});
