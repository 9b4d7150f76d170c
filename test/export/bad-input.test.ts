/**
 * Bad input, end to end as the CLI will run it (format, then write the file): each case fails
 * with an ExportError (or the writer's SecretFileError, a subclass) whose message names the
 * problem, and the output directory is exactly as it was.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { duoImportSections, duoImportText } from "../../host/export/duo.js";
import { entraCsv } from "../../host/export/entra.js";
import { pskcPlain } from "../../host/export/pskc.js";
import { otpauthUri } from "../../host/export/otpauth.js";
import { ExportError, type ExportToken } from "../../host/export/types.js";
import { writeSecretFileAtomically } from "../../host/export/write-file.js";
import { listing, makeToken } from "./support.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-bad-input-"));
writeFileSync(path.join(dir, "already-there.txt"), "previous export", { mode: 0o600 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ok = (overrides: Partial<ExportToken> = {}) => makeToken(overrides);
const allDuo = (tokens: ExportToken[]) => duoImportSections(tokens).map((s) => s.text).join("");

interface Case {
  name: string;
  target?: string;
  run: () => string;
  overwrite?: boolean;
  message: RegExp;
}

const cases: Case[] = [
  { name: "SHA-256 token to Duo", run: () => allDuo([ok(), ok({ serial: "SHA-2", algorithm: "SHA256" })]), message: /"SHA-2": uses SHA256, but Duo accepts only SHA-1/ },
  { name: "7-digit token to Duo", run: () => allDuo([ok({ serial: "SEVEN", digits: 7 })]), message: /"SEVEN": shows 7 digits.*only 6- or 8-digit/ },
  { name: "45-second token to Duo", run: () => duoImportText([ok({ serial: "P45", period: 45 })], "t6"), message: /"P45": has a 45-second time step.*only 30 or 60/ },
  { name: "45-second token to Entra", run: () => entraCsv([ok({ serial: "P45", period: 45, upn: "a@b.c" })]), message: /"P45": has a 45-second time step.*Entra ID supports only 30 or 60/ },
  { name: "serial with a comma to Duo", run: () => allDuo([ok({ serial: "A,B" })]), message: /"A,B": the serial contains a comma/ },
  { name: "serial with a quote to Duo", run: () => allDuo([ok({ serial: 'A"B' })]), message: /the serial contains a quote/ },
  { name: "serial with a space to Duo", run: () => allDuo([ok({ serial: "A B" })]), message: /"A B": the serial contains a space/ },
  { name: "serial longer than 128 to Duo", run: () => allDuo([ok({ serial: "S".repeat(129) })]), message: /the serial is 129 characters; Duo takes at most 128/ },
  ...["=", "+", "-", "@"].map((c) => ({
    name: `serial starting with ${c} to Duo`,
    run: () => allDuo([ok({ serial: `${c}1+1` })]),
    message: new RegExp(`starts with '\\${c}', which spreadsheets run as a formula`),
  })),
  { name: "formula in an Entra model", run: () => entraCsv([ok({ upn: "a@b.c", model: "=CMD()" })]), message: /model "=CMD\(\)" starts with '='/ },
  { name: "duplicate serial within a Duo type", run: () => allDuo([ok({ serial: "DUP" }), ok({ serial: "DUP", period: 60 })]), message: /"DUP": the serial appears 2 times under the same Duo token type/ },
  { name: "duplicate serial in PSKC", run: () => pskcPlain([ok({ serial: "DUP" }), ok({ serial: "DUP", kind: "hotp" })]), message: /"DUP": the serial appears 2 times/ },
  { name: "missing UPN for Entra", run: () => entraCsv([ok({ serial: "NOUSER-1" }), ok({ serial: "U", upn: "u@c.com" }), ok({ serial: "NOUSER-2" })]), message: /no UPN for 2 tokens "NOUSER-1", "NOUSER-2"/ },
  { name: "HOTP to Entra", run: () => entraCsv([ok({ serial: "H", kind: "hotp", upn: "a@b.c" })]), message: /"H": is an HOTP token/ },
  { name: "':' in an otpauth issuer", run: () => otpauthUri(ok({ serial: "COLON", issuer: "A:B" })), message: /"COLON": the issuer "A:B" contains ':'/ },
  { name: "empty secret", run: () => allDuo([ok({ serial: "EMPTY", secret: new Uint8Array(0) })]), message: /"EMPTY": the secret is missing or empty/ },
  { name: "empty serial", run: () => pskcPlain([ok({ serial: "" })]), message: /the serial is empty/ },
  { name: "unwritable output path (missing directory)", target: path.join(dir, "missing", "out.txt"), run: () => allDuo([ok()]), message: /missing does not exist\. Create it first/ },
  { name: "output path through a file", target: path.join(dir, "already-there.txt", "out.txt"), run: () => allDuo([ok()]), message: /is a file, not a directory/ },
  { name: "existing file without overwrite", target: path.join(dir, "already-there.txt"), run: () => allDuo([ok()]), message: /already-there\.txt already exists.*Nothing was written/ },
];

describe("bad input: a clear error and nothing written", () => {
  it.each(cases)("$name", async ({ target, run, overwrite, message }) => {
    const before = listing(dir);
    const output = target ?? path.join(dir, "export.out");
    const error = await (async () => writeSecretFileAtomically(output, run(), { overwrite }))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExportError);
    expect((error as Error).message).toMatch(message);
    expect(listing(dir)).toEqual(before);
    expect(readFileSync(path.join(dir, "already-there.txt"), "utf8")).toBe("previous export");
  });

  it("the same output directory accepts a good export afterwards (the table's failures were not the directory's)", async () => {
    mkdirSync(path.join(dir, "good"));
    await writeSecretFileAtomically(path.join(dir, "good", "duo.txt"), allDuo([ok()]));
    expect(listing(path.join(dir, "good"))).toEqual(["duo.txt"]);
  });
});
