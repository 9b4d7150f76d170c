/**
 * The import files an administrator hands to an MFA server, checked against the tokens
 * themselves: tokens provisioned with --escrow through the CLI on a token rack, then
 * `tokensmith export duo|entra|pskc|otpauth`, each file read back by an independent parser
 * (csv-parse, fast-xml-parser, URL; the encrypted PSKC decrypted here with node:crypto), and
 * the codes otplib computes from the exported secrets compared with the codes the simulated
 * tokens show on their displays. Then clock drift from two syncs (`time sync`, `time check`),
 * and `wipe`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { openLedger } from "../../host/ledger/ledger.js";
import { asArray, attr, child, decodeBase32, parseXmlNs, text, type XmlValue } from "../export/support.js";
import { findSecret } from "../sim/support.js";
import { TokenRack } from "./rack.js";
import { cleanupHomes, helloOf, newHome, oracle, readDuoFile, runCli, shownCode, type CliResult } from "./support.js";

const PASSPHRASE = "escrow passphrase for the tests";
const PSKC_PASSWORD = "pskc password 4 the importer";

/** What an exported file says about one token. */
interface Exported {
  serial: string;
  secret: Uint8Array;
  digits: number;
  period: number;
  algorithm: "SHA1" | "SHA256";
}

let home: string;
let rack: TokenRack;
let batchId: number;

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { home, env: { TOKENSMITH_ESCROW_PASSPHRASE: PASSPHRASE, ...env } });

async function ok(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const run = await cli(args, env);
  expect(run.code, `tokensmith ${args.join(" ")}: ${run.stderr}`).toBe(0);
  return run;
}

/** The rack token recorded for `serial` in the ledger. */
const tokenOf = (serial: string) => rack.tokenWithSerial(serial);

/** Every secret read back from an export (for the wire scan at the end). */
const exportedSecrets = new Map<string, Uint8Array>();

/** Each exported secret gives, by otplib, the code its token shows (and another token's does not). */
function expectCodesMatch(tokens: Exported[]): void {
  expect(tokens.length).toBeGreaterThan(0);
  for (const t of tokens) {
    exportedSecrets.set(t.serial, t.secret);
    const shown = shownCode(tokenOf(t.serial), t.period);
    expect(shown.code, `${t.serial} shows a ${t.digits}-digit code`).toMatch(new RegExp(`^\\d{${t.digits}}$`));
    expect(shown.code, `${t.serial}: the exported secret's code`).toBe(oracle(t.secret, shown.time, t));
  }
  const [a, b] = tokens;
  if (b) expect(oracle(b.secret, 1_800_000_000, a)).not.toBe(oracle(a.secret, 1_800_000_000, a));
}

const EXPECTED = {
  "EX-000001": { digits: 6, period: 30, algorithm: "SHA1" },
  "EX-000002": { digits: 6, period: 30, algorithm: "SHA1" },
  "EY-000001": { digits: 8, period: 60, algorithm: "SHA1" },
  "EZ-000001": { digits: 6, period: 30, algorithm: "SHA256" },
} as const;

beforeAll(async () => {
  home = newHome("exports");
  rack = new TokenRack(4, { ledgerPath: path.join(home, "ledger.sqlite") });
  await rack.listen();
  const batch = await ok(["batch", "--port", rack.address, "--count", "2", "--prefix", "EX-", "--escrow", "--wait", "5", "--json"]);
  batchId = JSON.parse(batch.stdout).batchId;
  await ok(["provision", "--port", rack.address, "--prefix", "EY-", "--digits", "8", "--period", "60", "--escrow"]);
  await ok(["provision", "--port", rack.address, "--prefix", "EZ-", "--algorithm", "SHA256", "--escrow"]);
});

afterAll(async () => {
  await rack?.close();
  cleanupHomes();
});

describe("exports from the escrow match what the tokens show", () => {
  it("the ledger holds the four tokens, each with an escrowed seed", async () => {
    const list = JSON.parse((await ok(["ledger", "list", "--json"])).stdout);
    expect(list.tokens.map((t: { serial: string; state: string; hasEscrowedSeed: boolean }) => [t.serial, t.state, t.hasEscrowedSeed])).toEqual(
      Object.keys(EXPECTED).map((serial) => [serial, "provisioned", true]),
    );
  });

  it("duo: one file per token type (TOTP 6 and 8 digits), read with csv-parse", async () => {
    const out = path.join(home, "duo.csv");
    const run = await ok(["export", "duo", "--serial", "EX-000001", "EX-000002", "EY-000001", "--out", out]);
    expect(run.stdout).toMatch(/TOTP 6-digit: 2 tokens -> .*duo\.t6\.csv/);
    expect(run.stdout).toMatch(/TOTP 8-digit: 1 token -> .*duo\.t8\.csv/);
    const read = (file: string, digits: number): Exported[] =>
      (parseCsv(readFileSync(file, "utf8"), { relax_column_count: true }) as string[][]).map((row) => ({
        serial: row[0],
        secret: Uint8Array.from(Buffer.from(row[1], "hex")),
        digits,
        period: row[2] === "60" ? 60 : 30,
        algorithm: "SHA1",
      }));
    const t6 = read(path.join(home, "duo.t6.csv"), 6);
    const t8 = read(path.join(home, "duo.t8.csv"), 8);
    expect(t6.map((t) => [t.serial, t.period])).toEqual([["EX-000001", 30], ["EX-000002", 30]]);
    expect(t8.map((t) => [t.serial, t.period])).toEqual([["EY-000001", 60]]);
    expectCodesMatch([...t6, ...t8]);
  });

  it("duo of a whole batch (the streamed path): the same lines, read with csv-parse, give the tokens' codes", async () => {
    const out = path.join(home, "duo-batch.csv");
    const run = await ok(["export", "duo", "--batch", String(batchId), "--out", out]);
    expect(run.stdout).toMatch(/TOTP 6-digit: 2 tokens -> .*duo-batch\.csv/);
    const rows = parseCsv(readFileSync(out, "utf8"), { relax_column_count: true }) as string[][];
    expect(rows.map((r) => r[0])).toEqual(["EX-000001", "EX-000002"]);
    expectCodesMatch(rows.map((r) => ({ serial: r[0], secret: Uint8Array.from(Buffer.from(r[1], "hex")), digits: 6, period: 30, algorithm: "SHA1" })));
  });

  it("entra: the CSV with UPNs, Base32 secrets decoded here", async () => {
    const map = path.join(home, "upns.csv");
    writeFileSync(map, "serial,upn\nEX-000001,ada@example.com\nEX-000002,grace@example.com\n");
    const out = path.join(home, "entra.csv");
    await ok(["export", "entra", "--batch", String(batchId), "--upn-map", map, "--out", out]);
    const rows = parseCsv(readFileSync(out, "utf8"), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.upn, r["serial number"], r["time interval"]])).toEqual([
      ["ada@example.com", "EX-000001", "30"],
      ["grace@example.com", "EX-000002", "30"],
    ]);
    expectCodesMatch(rows.map((r) => ({ serial: r["serial number"], secret: decodeBase32(r["secret key"]), digits: 6, period: Number(r["time interval"]), algorithm: "SHA1" })));
  });

  const P = "{urn:ietf:params:xml:ns:keyprov:pskc}";
  const XENC = "{http://www.w3.org/2001/04/xmlenc#}";
  const XENC11 = "{http://www.w3.org/2009/xmlenc11#}";
  const PKCS5 = "{http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#}";
  const b64 = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "base64");

  /** AES-128-CBC, the IV first; XML Encryption padding (the last byte counts it). */
  function decrypt(key: Buffer, value: Buffer): Buffer {
    const decipher = createDecipheriv("aes-128-cbc", key, value.subarray(0, 16));
    decipher.setAutoPadding(false);
    const raw = Buffer.concat([decipher.update(value.subarray(16)), decipher.final()]);
    return raw.subarray(0, raw.length - raw[raw.length - 1]);
  }

  /** Reads a PSKC file; with `password`, derives the key and checks every ValueMAC. */
  function readPskc(xml: string, password?: string): Exported[] {
    const container = child(parseXmlNs(xml), P + "KeyContainer");
    let key: Buffer | null = null;
    let macKey: Buffer | null = null;
    if (password !== undefined) {
      const params = child(container, P + "EncryptionKey", XENC11 + "DerivedKey", XENC11 + "KeyDerivationMethod", PKCS5 + "PBKDF2-params");
      const salt = b64(text(child(params, "{}Salt", "{}Specified")));
      const iterations = Number(text(child(params, "{}IterationCount")));
      const length = Number(text(child(params, "{}KeyLength")));
      key = pbkdf2Sync(password, salt, iterations, length, "sha1");
      macKey = decrypt(key, b64(text(child(container, P + "MACMethod", P + "MACKey", XENC + "CipherData", XENC + "CipherValue"))));
    }
    return asArray(child(container, P + "KeyPackage") as XmlValue | XmlValue[]).map((pkg) => {
      const keyNode = child(pkg, P + "Key");
      const secretNode = child(keyNode, P + "Data", P + "Secret");
      let secret: Buffer;
      if (key === null) secret = b64(text(child(secretNode, P + "PlainValue")));
      else {
        const value = b64(text(child(secretNode, P + "EncryptedValue", XENC + "CipherData", XENC + "CipherValue")));
        const mac = createHmac("sha1", macKey!).update(value).digest();
        expect(timingSafeEqual(mac, b64(text(child(secretNode, P + "ValueMAC")))), "the ValueMAC verifies").toBe(true);
        secret = decrypt(key, value);
      }
      let suite = "";
      try {
        suite = text(child(keyNode, P + "AlgorithmParameters", P + "Suite"));
      } catch {
        suite = ""; // absent: SHA-1
      }
      expect(attr(keyNode, "Algorithm")).toBe("urn:ietf:params:xml:ns:keyprov:pskc:totp");
      return {
        serial: text(child(pkg, P + "DeviceInfo", P + "SerialNo")),
        secret: Uint8Array.from(secret),
        digits: Number(attr(child(keyNode, P + "AlgorithmParameters", P + "ResponseFormat"), "Length")),
        period: Number(text(child(keyNode, P + "Data", P + "TimeInterval", P + "PlainValue"))),
        algorithm: suite === "" ? "SHA1" : (suite.toUpperCase().replace("-", "") as "SHA256"),
      };
    });
  }

  const expectAllFour = (tokens: Exported[]) =>
    expect(Object.fromEntries(tokens.map((t) => [t.serial, { digits: t.digits, period: t.period, algorithm: t.algorithm }]))).toEqual(EXPECTED);

  it("pskc, plain: every token, its digits, period and suite", async () => {
    const out = path.join(home, "tokens.pskc.xml");
    await ok(["export", "pskc", "--out", out]);
    const tokens = readPskc(readFileSync(out, "utf8"));
    expectAllFour(tokens);
    expectCodesMatch(tokens);
  });

  it("pskc, password-encrypted: decrypted here (PBKDF2, AES-128-CBC, HMAC-SHA1 ValueMAC)", async () => {
    const out = path.join(home, "tokens.enc.pskc.xml");
    await ok(["export", "pskc", "--encrypt", "--password-env", "PSKC_PW", "--out", out], { PSKC_PW: PSKC_PASSWORD });
    const xml = readFileSync(out, "utf8");
    expect(xml).not.toContain("PlainValue>" + Buffer.from(readPskc(readFileSync(path.join(home, "tokens.pskc.xml"), "utf8"))[0].secret).toString("base64"));
    const tokens = readPskc(xml, PSKC_PASSWORD);
    expectAllFour(tokens);
    expectCodesMatch(tokens);
    expect(() => readPskc(xml, "not the password")).toThrow();
  });

  it("otpauth: key URIs read with URL, Base32 decoded here", async () => {
    const out = path.join(home, "tokens.otpauth.txt");
    await ok(["export", "otpauth", "--issuer", "Example Corp", "--out", out]);
    const tokens = readFileSync(out, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line): Exported => {
        const url = new URL(line);
        expect(url.protocol).toBe("otpauth:");
        expect(url.hostname).toBe("totp");
        expect(url.searchParams.get("issuer")).toBe("Example Corp");
        const label = decodeURIComponent(url.pathname.slice(1));
        expect(label.startsWith("Example Corp:")).toBe(true);
        return {
          serial: label.slice("Example Corp:".length),
          secret: decodeBase32(url.searchParams.get("secret")!),
          digits: Number(url.searchParams.get("digits") ?? 6),
          period: Number(url.searchParams.get("period") ?? 30),
          algorithm: (url.searchParams.get("algorithm") ?? "SHA1") as "SHA1" | "SHA256",
        };
      });
    expectAllFour(tokens);
    expectCodesMatch(tokens);
  });

  it("--out - writes the file to standard output (pskc here, read as the test reads a PSKC file), and creates no file named -", async () => {
    const run = await ok(["export", "pskc", "--out", "-"]);
    expect(existsSync(path.join(home, "-"))).toBe(false);
    const tokens = readPskc(run.stdout);
    expectAllFour(tokens);
    expectCodesMatch(tokens);
    // Duo across token types is several files: not one stream.
    const mixed = await cli(["export", "duo", "--serial", "EX-000001", "--serial", "EY-000001", "--out", "-"]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--out - takes one file, and these tokens make \d/);
  });

  it("wipe: the ledger marks it wiped, the token reports unprovisioned and shows no code", async () => {
    const token = tokenOf("EX-000002");
    rack.autoAdvance = false;
    rack.current = rack.tokens.indexOf(token);
    const run = await ok(["wipe", "--yes", "--port", rack.address]);
    expect(run.stdout.trim()).toBe("wiped EX-000002");
    const show = JSON.parse((await ok(["ledger", "show", "EX-000002", "--json"])).stdout);
    expect(show.token).toMatchObject({ serial: "EX-000002", state: "wiped", hasManagementKey: false, hasEscrowedSeed: false });
    const hello = await helloOf(token);
    expect(hello).toMatchObject({ state: "unprovisioned", serial: "", labels: [] });
    const shown = shownCode(token);
    expect(shown.code).toBeNull();
    expect(token.display.isOn()).toBe(true); // "NOT SET UP", not digits
    // The wiped token's seed is gone from the escrow: it can no longer be exported.
    const again = await cli(["export", "otpauth", "--serial", "EX-000002", "--out", path.join(home, "wiped.txt")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not provisioned tokens in this ledger: EX-000002/);
    // The others are untouched.
    expect((await helloOf(tokenOf("EX-000001"))).serial).toBe("EX-000001");
  });

  it("wipe --factory (the ledger is lost): refused until the button is held; then every seed goes, and the ledger is left alone", async () => {
    const token = tokenOf("EY-000001");
    rack.autoAdvance = false;
    rack.current = rack.tokens.indexOf(token);
    const ledgerBefore = JSON.parse((await ok(["ledger", "show", "EY-000001", "--json"])).stdout);
    const refused = await cli(["wipe", "--factory", "--yes", "--port", rack.address]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/hold its button down/);
    expect((await helloOf(token)).serial).toBe("EY-000001");
    token.button.press(60_000); // held while the command runs
    token.advanceMs(50);
    const run = await ok(["wipe", "--factory", "--yes", "--port", rack.address]);
    token.button.cancel();
    expect(run.stdout).toMatch(/factory reset EY-000001 \(chip [0-9a-f]+\): every seed and key erased/);
    expect(await helloOf(token)).toMatchObject({ state: "unprovisioned", serial: "" });
    const seed = exportedSecrets.get("EY-000001")!;
    expect(Buffer.from(token.flash.rawImage()).includes(Buffer.from(seed))).toBe(false);
    // A device can claim any serial: an unauthorised reset never changes the ledger.
    expect(JSON.parse((await ok(["ledger", "show", "EY-000001", "--json"])).stdout)).toEqual(ledgerBefore);
  });

  it("no token ever sent one of these seeds over its UART", () => {
    expect(exportedSecrets.size).toBe(4);
    const wire = rack.tokens.flatMap((t) => t.uartLog).join("");
    expect(wire).toMatch(/^<\d+ OK /m);
    for (const [serial, secret] of exportedSecrets) expect(findSecret(wire, secret), `${serial}'s seed on the wire`).toBeNull();
  });
});

describe("clock drift from two syncs", () => {
  it("time sync twice against a token drifting +40 ppm, then time check prints the drift in ppm", async () => {
    const driftHome = newHome("drift");
    const driftRack = new TokenRack(1, { ledgerPath: path.join(driftHome, "ledger.sqlite"), token: { driftPpm: 40 } });
    await driftRack.listen();
    const token = driftRack.tokens[0];
    const run = (args: string[], clockOffsetMs: number) => runCli(args, { home: driftHome, clockOffsetMs });
    try {
      const provisioned = await run(["provision", "--port", driftRack.address, "--serial", "DRIFT-1", "--out", path.join(driftHome, "drift.csv")], 0);
      expect(provisioned.code, provisioned.stderr).toBe(0);
      const DAYS = 30;
      const step = DAYS * 86400;
      const offsets: number[] = [];
      for (const n of [1, 2]) {
        token.advance(step); // the token lives DAYS days (and sleeps); the host's clock is moved as far
        token.press(); // wake it
        token.advanceMs(300);
        const synced = await run(["time", "sync", "--port", driftRack.address, "--json"], n * step * 1000);
        expect(synced.code, synced.stderr).toBe(0);
        const report = JSON.parse(synced.stdout);
        expect(report.serial).toBe("DRIFT-1");
        offsets.push(report.offsetSeconds);
      }
      // 40 ppm of 30 days is 103.68 s ahead, each time (within 2 s: whole seconds are set and read).
      for (const offset of offsets) expect(Math.abs(offset - 103.68), `offsets ${offsets}`).toBeLessThanOrEqual(2.5);
      const check = await run(["time", "check"], 2 * step * 1000 + 1000);
      expect(check.code, check.stderr).toBe(0);
      const ppm = Number(/DRIFT-1\s.*drift ([+-]\d+\.\d) ppm/.exec(check.stdout)?.[1]);
      expect(Math.abs(ppm - 40), `time check printed: ${check.stdout}`).toBeLessThanOrEqual(1.5);
      const withPort = await run(["time", "check", "--port", driftRack.address], 2 * step * 1000 + 1000);
      expect(withPort.code, withPort.stderr).toBe(0);
      expect(withPort.stdout).toMatch(/DRIFT-1\s+[+-][0-2] s\s+drift \+\d+\.\d ppm/);
      const ledger = openLedger(path.join(driftHome, "ledger.sqlite"));
      try {
        expect(ledger.clockSyncs("DRIFT-1").map((s) => s.authorised)).toEqual([false, true, true]);
        expect(Math.abs(ledger.driftPpm("DRIFT-1")! - 40)).toBeLessThanOrEqual(1.5);
      } finally {
        ledger.close();
      }
      // The synced token still shows the right code for the (moved) host time.
      const [line] = readDuoFile(path.join(driftHome, "drift.csv"));
      const shown = shownCode(token);
      expect(Math.abs(shown.time - (Math.floor(Date.now() / 1000) + 2 * step))).toBeLessThanOrEqual(2);
      expect(shown.code).toBe(oracle(line.secret, shown.time));
    } finally {
      await driftRack.close();
    }
  });
});
