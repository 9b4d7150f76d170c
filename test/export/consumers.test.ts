/**
 * The import files read by real consumers installed from Debian, not by parsers of our own:
 * `pskctool` (libpskc: validation, and its strict reading that flags a non-compliant
 * Manufacturer), python3-pskc (plain and password-encrypted files), Python's csv module (the
 * Entra CSV and the Duo lines), Python's urllib (otpauth URIs) and `oathtool`, whose codes from
 * the secrets those consumers read must equal otplib's codes from the original secrets.
 *
 * Required under CI (.ci/run installs pskctool, python3-pskc and oathtool); elsewhere the suite is
 * skipped, visibly, when one is missing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { duoImportText } from "../../host/export/duo.js";
import { entraCsv } from "../../host/export/entra.js";
import { otpauthUri } from "../../host/export/otpauth.js";
import { pskcEncrypted, pskcPlain } from "../../host/export/pskc.js";
import type { ExportToken } from "../../host/export/types.js";
import { makeToken, oracleCode } from "./support.js";

/** Debian's python3 (python3-pskc is installed for it, not for any other python on PATH). */
const PYTHON = ["/usr/bin/python3", "python3"].find((python) => spawnSync(python, ["-c", "import pskc"]).status === 0) ?? null;
const has = (tool: string) => spawnSync(tool, ["--version"]).status === 0;
const missing = [...(has("pskctool") ? [] : ["pskctool"]), ...(has("oathtool") ? [] : ["oathtool"]), ...(PYTHON ? [] : ["python3 with the pskc module (python3-pskc)"])];
if (missing.length > 0 && process.env.CI === "true") {
  throw new Error(`CI=true requires the real consumers of the import files: ${missing.join(", ")} (apt-get install pskctool python3-pskc oathtool)`);
}
const suite = missing.length === 0 ? describe : describe.skip;
const title = missing.length === 0 ? "import files read by their real consumers" : `import files read by their real consumers: skipped, not installed: ${missing.join(", ")}`;

const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-consumers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const full = path.join(dir, name);
  writeFileSync(full, text, { mode: 0o600 });
  return full;
};

/** Runs a Python snippet that prints JSON; argv follows the snippet. */
function python<T>(code: string, ...args: string[]): T {
  return JSON.parse(execFileSync(PYTHON!, ["-c", code, ...args], { encoding: "utf8" })) as T;
}

/** oathtool's code for a secret (hex) at a time, or at the token's counter for HOTP. */
function oathtoolCode(secretHex: string, p: Pick<ExportToken, "kind" | "algorithm" | "digits" | "period" | "counter">, time: number): string {
  const args =
    p.kind === "hotp"
      ? ["--hotp", "-c", String(p.counter), "-d", String(p.digits), secretHex]
      : [`--totp=${p.algorithm === "SHA1" ? "sha1" : "sha256"}`, "-s", String(p.period), "-d", String(p.digits), "-N", `@${time}`, secretHex];
  return execFileSync("oathtool", args, { encoding: "utf8" }).trim();
}

const TIMES = [59, 1_111_111_109, 2_000_000_000];
const hex = (secret: Uint8Array | string) => Buffer.from(secret as Uint8Array).toString("hex");

/** Each consumer-read secret gives, through oathtool, the original secret's codes (otplib). */
function expectOathtoolCodes(read: Array<{ serial: string; secretHex: string }>, originals: ExportToken[], profileOf: (t: ExportToken) => ExportToken = (t) => t) {
  expect(read.map((r) => r.serial)).toEqual(originals.map((t) => t.serial));
  for (const [i, token] of originals.entries()) {
    expect(read[i]!.secretHex, `${token.serial}: the secret the consumer read`).toBe(hex(token.secret));
    for (const time of TIMES) {
      expect(oathtoolCode(read[i]!.secretHex, profileOf(token), time), `${token.serial} at ${time}`).toBe(oracleCode(token.secret, token, time));
    }
  }
}

const tokens: ExportToken[] = [
  makeToken({ serial: "TS-000001", issuer: "tokensmith" }),
  makeToken({ serial: "TS-000002", digits: 8, period: 60 }),
  makeToken({ serial: "TS-000003", algorithm: "SHA256", secret: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255) }),
  makeToken({ serial: "TS-000004", kind: "hotp", counter: 5 }),
];

interface PythonKey {
  serial: string;
  secretHex: string;
  algorithm: string;
  suite: string | null;
  digits: number;
  period: number | null;
  counter: number | null;
  manufacturer: string | null;
  model: string | null;
}

const READ_PSKC = `
import json, sys, pskc
container = pskc.PSKC(sys.argv[1])
if len(sys.argv) > 2:
    container.encryption.derive_key(sys.argv[2])
print(json.dumps([dict(serial=k.serial, secretHex=k.secret.hex(), algorithm=k.algorithm, suite=k.algorithm_suite,
    digits=k.response_length, period=k.time_interval, counter=k.counter, manufacturer=k.manufacturer, model=k.model)
    for k in container.keys]))
`;

/** pskctool's strict reading; its debug lines name what it finds non-compliant. */
function pskctoolStrict(xml: string) {
  return spawnSync("pskctool", ["-i", "--strict", "-d", xml], { encoding: "utf8" });
}

suite(title, () => {
  it("PSKC: pskctool validates the plain file and finds nothing non-compliant (no Manufacturer by default)", () => {
    const xml = file("plain.pskc.xml", pskcPlain(tokens, {}));
    const validated = spawnSync("pskctool", ["--validate", xml], { encoding: "utf8" });
    expect(validated.status, validated.stderr).toBe(0);
    expect(validated.stdout.trim()).toBe("OK");
    const strict = pskctoolStrict(xml);
    expect(strict.status, strict.stderr).toBe(0);
    expect(strict.stdout + strict.stderr).not.toMatch(/non-compliant/i);
    for (const token of tokens) expect(strict.stdout).toContain(`SerialNo: ${token.serial}`);
    expect(strict.stdout).not.toContain("Manufacturer:");
  });

  it("PSKC: an oath.XX manufacturer passes pskctool's strict reading; a bare name would not (the check works)", () => {
    const xml = pskcPlain(tokens, { manufacturer: "oath.TS", model: "tokensmith-esp32" });
    const strict = pskctoolStrict(file("manufacturer.pskc.xml", xml));
    expect(strict.status, strict.stderr).toBe(0);
    expect(strict.stdout).toContain("Manufacturer: oath.TS");
    expect(strict.stdout + strict.stderr).not.toMatch(/non-compliant/i);
    // The same file with the Manufacturer we used to write: pskctool flags it.
    const old = pskctoolStrict(file("bare.pskc.xml", xml.replaceAll(">oath.TS<", ">tokensmith<")));
    expect(old.stdout + old.stderr).toMatch(/non-compliant Manufacturer value: tokensmith/);
    expect(() => pskcPlain(tokens, { manufacturer: "tokensmith" })).toThrow(/oath\.|iana\./);
  });

  it("PSKC: python3-pskc reads the plain file: serials, secrets, suites, digits, steps, counters; oathtool's codes match", () => {
    const keys = python<PythonKey[]>(READ_PSKC, file("read.pskc.xml", pskcPlain(tokens, { manufacturer: "iana.12345" })));
    expect(keys.map((k) => [k.serial, k.algorithm.split(":").pop(), k.suite ?? "SHA1", k.digits, k.period, k.counter, k.manufacturer])).toEqual(
      tokens.map((t) => [t.serial, t.kind, t.algorithm, t.digits, t.kind === "totp" ? t.period : null, t.kind === "hotp" ? t.counter : null, "iana.12345"]),
    );
    expectOathtoolCodes(keys, tokens);
  });

  it("PSKC, password-encrypted: python3-pskc decrypts it with the password (and not without the right one); oathtool's codes match", () => {
    const password = "a pskc password";
    const xml = file("encrypted.pskc.xml", pskcEncrypted(tokens, { password }));
    const keys = python<PythonKey[]>(READ_PSKC, xml, password);
    expectOathtoolCodes(keys, tokens);
    const wrong = spawnSync(PYTHON!, ["-c", READ_PSKC, xml, "not the password"], { encoding: "utf8" });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/DecryptionError|MAC/i);
  });

  it("Entra CSV: Python's csv reads the header and rows; its Base32 secrets give oathtool the right codes", () => {
    const entraTokens = tokens.filter((t) => t.kind === "totp" && t.algorithm === "SHA1" && t.digits === 6);
    const moreTokens = [...entraTokens, makeToken({ serial: "TS-000005", period: 60 })];
    const csv = file("entra.csv", entraCsv(moreTokens, { upnFor: (serial) => `${serial.toLowerCase()}@example.com` }));
    const rows = python<Array<Record<string, string>>>(
      "import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))",
      csv,
    );
    expect(Object.keys(rows[0]!)).toEqual(["upn", "serial number", "secret key", "time interval", "manufacturer", "model"]);
    expect(rows.map((r) => [r.upn, r["serial number"], r["time interval"]])).toEqual(moreTokens.map((t) => [`${t.serial.toLowerCase()}@example.com`, t.serial, String(t.period)]));
    const secrets = python<string[]>(
      "import base64, json, sys\nprint(json.dumps([base64.b32decode(s + '=' * (-len(s) % 8)).hex() for s in sys.argv[1:]]))",
      ...rows.map((r) => r["secret key"]!),
    );
    expectOathtoolCodes(rows.map((r, i) => ({ serial: r["serial number"]!, secretHex: secrets[i]! })), moreTokens);
    // No hash column: a SHA-256 token would be checked as SHA-1 by Entra, so the CSV refuses it.
    expect(() => entraCsv(tokens.filter((t) => t.algorithm === "SHA256"), {})).toThrow(/SHA-256|SHA256/);
  });

  it("Duo lines: Python's csv reads serial, hex secret and the 60 s marker; oathtool's codes match", () => {
    const duoTokens = [makeToken({ serial: "D-000001" }), makeToken({ serial: "D-000002", period: 60 })];
    const rows = python<string[][]>("import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", file("duo.csv", duoImportText(duoTokens, "t6")));
    expect(rows.map((r) => [r[0], r[2] ?? "30"])).toEqual([["D-000001", "30"], ["D-000002", "60"]]);
    expectOathtoolCodes(rows.map((r) => ({ serial: r[0]!, secretHex: r[1]! })), duoTokens);
  });

  it("otpauth URIs: Python's urllib reads the issuer and parameters; oathtool takes the Base32 secret and gives the right codes", () => {
    const uriTokens = tokens.map((t) => ({ ...t, issuer: "tokensmith", account: t.serial }));
    const uris = file("keys.txt", uriTokens.map((t) => otpauthUri(t) + "\n").join(""));
    const parsed = python<Array<{ type: string; label: string; query: Record<string, string> }>>(
      [
        "import json, sys, urllib.parse",
        "out = []",
        "for line in open(sys.argv[1]):",
        "    u = urllib.parse.urlsplit(line.strip())",
        "    out.append(dict(type=u.netloc, label=urllib.parse.unquote(u.path[1:]), query=dict(urllib.parse.parse_qsl(u.query))))",
        "print(json.dumps(out))",
      ].join("\n"),
      uris,
    );
    expect(parsed.map((p) => [p.type, p.label, p.query.issuer, p.query.digits, p.query.algorithm])).toEqual(
      uriTokens.map((t) => [t.kind, `tokensmith:${t.serial}`, "tokensmith", String(t.digits), t.algorithm]),
    );
    for (const [i, token] of uriTokens.entries()) {
      const p = parsed[i]!;
      for (const time of TIMES) {
        const args =
          token.kind === "hotp"
            ? ["--hotp", "-b", "-c", p.query.counter!, "-d", p.query.digits!, p.query.secret!]
            : [`--totp=${p.query.algorithm!.toLowerCase()}`, "-b", "-s", p.query.period!, "-d", p.query.digits!, "-N", `@${time}`, p.query.secret!];
        expect(execFileSync("oathtool", args, { encoding: "utf8" }).trim(), `${token.serial} at ${time}`).toBe(oracleCode(token.secret, token, time));
      }
    }
  });
});
