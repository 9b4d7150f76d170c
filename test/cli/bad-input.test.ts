/**
 * Bad invocations of the CLI, each checked for: the exact exit code (host/cli/output.ts EXIT),
 * a message on stderr naming the problem and what to do, and nothing written: no import file,
 * the ledger's rows unchanged, the data directory's files unchanged, and the token untouched
 * (its flash identical; never even connected to when the input alone is wrong).
 * Then: --help on every command, and --json output that parses.
 */
import { nobodyCannotRun } from "../nobody.js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import type { Command } from "commander";
import { buildProgram } from "../../host/cli/main.js";
import { TokenRack, verbOf } from "./rack.js";
import { writePageWithoutCode, writeQrImage } from "../provision/qr-images.js";
import { migrationUri } from "../provision/migration-payload.js";
import { openLedger as openLedgerReadOnly } from "../../host/ledger/ledger.js";
import { cleanupHomes, helloOf, ledgerContents, newHome, oracle, readDuoFile, runCli, shownCode, type CliResult } from "./support.js";
import { openLedger } from "../../host/ledger/ledger.js";

const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, ledger: 4 };
const PASSPHRASE = "correct horse battery";
const SEED_20 = "3132333435363738393031323334353637383930";

interface Ctx {
  home: string;
  out: string;
  ledgerPath: string;
  rack: TokenRack;
  /** Extra servers (a TCP "token" that is not one). */
  address?: string;
}

interface BadCase {
  name: string;
  args: (ctx: Ctx) => string[];
  code: number;
  /** Each must match stderr: the problem, and what to do. */
  stderr: RegExp[];
  setup?: (ctx: Ctx) => Promise<void>;
  env?: Record<string, string>;
  /** The command may ask the token HELLO (and nothing else); by default it must not connect at all. */
  mayAskHello?: boolean;
  asNobody?: boolean;
}

const racks: TokenRack[] = [];
const servers: Array<net.Server & { destroyConnections: () => void }> = [];
afterEach(async () => {
  for (const rack of racks.splice(0)) await rack.close();
  for (const server of servers.splice(0)) {
    server.destroyConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
afterAll(() => cleanupHomes());

async function context(): Promise<Ctx> {
  const home = newHome("bad");
  const ledgerPath = path.join(home, "ledger.sqlite");
  const rack = new TokenRack(2, { ledgerPath });
  racks.push(rack);
  await rack.listen();
  return { home, out: path.join(home, "import.csv"), ledgerPath, rack };
}

const cli = (ctx: Ctx, args: string[], env: Record<string, string> = {}) => runCli(args, { home: ctx.home, env: { TOKENSMITH_ESCROW_PASSPHRASE: PASSPHRASE, ...env } });

async function expectOk(run: Promise<CliResult>): Promise<CliResult> {
  const result = await run;
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** A TCP server that is no tokensmith token: silent, or an Espruino REPL echoing what it gets. */
async function notAToken(ctx: Ctx, kind: "silent" | "repl"): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    if (kind === "silent") {
      socket.resume(); // reads and drops what it gets
      return;
    }
    socket.write(" ____                 _\r\n|  __|___ ___ ___ _ _|_|___ ___\r\n 2v20 (c) 2024 G.Williams\r\n>");
    socket.on("data", (chunk) => socket.write(`${chunk.toString("latin1").trimEnd()}\r\nUncaught SyntaxError: Got '>' expected EOF\r\n at line 1 col 1\r\n>`));
  });
  servers.push(Object.assign(server, { destroyConnections: () => sockets.forEach((socket) => socket.destroy()) }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  ctx.address = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const provision = (ctx: Ctx, ...more: string[]) => ["provision", "--port", ctx.rack.address, "--out", ctx.out, ...more];

const formulaSerials = [
  { serial: "TS,1", char: ",", at: 3 },
  { serial: "TS 1", char: " ", at: 3 },
  { serial: "=SUM(A1)", char: "=", at: 1 },
  { serial: "+CMD", char: "+", at: 1 },
  { serial: "-TS1", char: "-", at: 1 },
  { serial: "_TS1", char: "_", at: 1 },
];

const cases: BadCase[] = [
  {
    name: "provision --secret-hex with a bad character",
    args: (c) => provision(c, "--serial", "TS-1", "--secret-hex", "31323334353637383930313233343536373839X0"),
    code: EXIT.usage,
    stderr: [/invalid hex character 'X' at position 39/, /expected 0-9 or a-f/],
  },
  {
    name: "provision --secret-hex of odd length",
    args: (c) => provision(c, "--serial", "TS-1", "--secret-hex", SEED_20 + "1"),
    code: EXIT.usage,
    stderr: [/odd number of digits/, /every byte takes two/],
  },
  {
    name: "provision --secret-base32 that is not Base32",
    args: (c) => provision(c, "--serial", "TS-1", "--secret-base32", "JBSWY3DPEHPK3PX1JBSWY3DP"),
    code: EXIT.usage,
    stderr: [/invalid Base32 character '1' at position 16/, /expected A-Z or 2-7/],
  },
  {
    name: "provision with a 64-bit seed and no --allow-short",
    args: (c) => provision(c, "--serial", "TS-1", "--secret-hex", "0011223344556677"),
    code: EXIT.usage,
    stderr: [/64 bits/, /RFC 4226/, /--allow-short/],
  },
  {
    name: "provision of a serial already in the ledger (a second token)",
    setup: async (c) => void (await expectOk(cli(c, provision(c, "--serial", "DUP-1")))),
    args: (c) => ["provision", "--port", c.rack.address, "--serial", "DUP-1", "--out", path.join(c.home, "second.csv")],
    code: EXIT.ledger,
    stderr: [/DUP-1 is already in the ledger/, /never reused; reserve a new one/],
    mayAskHello: true,
  },
  ...formulaSerials.map(
    ({ serial, char, at }): BadCase => ({
      name: `provision --serial ${JSON.stringify(serial)} (refused before the token is touched)`,
      args: (c) => provision(c, `--serial=${serial}`),
      code: EXIT.usage,
      stderr: [new RegExp(`has ${JSON.stringify(char).replace(/[+]/g, "\\+")} at position ${at}`), /A-Z a-z 0-9 \. _ -/],
    }),
  ),
  {
    name: "provision --label with a TAB (PSKC and the display refuse it later: refused before the token is touched)",
    args: (c) => provision(c, "--serial", "TS-1", "--label", "Help\tdesk"),
    code: EXIT.usage,
    stderr: [/the label "Help\\tdesk" has "\\t" at position 5/, /what the token's display can draw/],
  },
  {
    name: "batch --label the display cannot draw (no batch is begun)",
    args: (c) => ["batch", "--port", c.rack.address, "--out", c.out, "--count", "2", "--prefix", "L-", "--label", "Zürich"],
    code: EXIT.usage,
    stderr: [/the label "Zürich" has "ü" at position 2/],
  },
  {
    name: "provision --out that is a symbolic link (the appends do not follow links: refused before the token is touched)",
    setup: async (c) => {
      writeFileSync(path.join(c.home, "real.csv"), "", { mode: 0o600 });
      symlinkSync(path.join(c.home, "real.csv"), c.out);
    },
    args: (c) => provision(c, "--serial", "TS-1"),
    code: EXIT.usage,
    stderr: [/import\.csv: it is a symbolic link/, /No token was touched/],
  },
  {
    name: "provision --out that is a dangling symbolic link",
    setup: async (c) => void symlinkSync(path.join(c.home, "nowhere.csv"), c.out),
    args: (c) => provision(c, "--serial", "TS-1"),
    code: EXIT.usage,
    stderr: [/it is a symbolic link/, /No token was touched/],
  },
  {
    name: "provision --out - (standard output is for export: refused before the token is touched)",
    args: (c) => ["provision", "--port", c.rack.address, "--serial", "TS-1", "--out", "-"],
    code: EXIT.usage,
    stderr: [/--out - \(standard output\) is for export/, /Give a file name/],
  },
  {
    name: "provision --prefix=-X (a leading '-': refused before the token is touched)",
    args: (c) => provision(c, "--prefix=-X"),
    code: EXIT.usage,
    stderr: [/serial prefix "-X" has "-" at position 1/, /starting with a letter or digit/],
  },
  {
    name: "batch --prefix with a formula character (no batch is begun)",
    args: (c) => ["batch", "--port", c.rack.address, "--out", c.out, "--count", "2", "--prefix", "=X-"],
    code: EXIT.usage,
    stderr: [/serial prefix "=X-" has "=" at position 1/, /A-Z a-z 0-9 \. _ -/],
  },
  {
    name: "provision --digits 8 into a Duo file of TOTP 6-digit tokens (Duo takes one type per paste)",
    setup: async (c) => void (await expectOk(cli(c, provision(c, "--serial", "SIX-1")))),
    args: (c) => provision(c, "--serial", "EIGHT-1", "--digits", "8"),
    code: EXIT.usage,
    stderr: [/cannot take this token/, /it holds TOTP 6-digit tokens \(SIX-1/, /this one is TOTP 8-digit/, /give a file for TOTP 8-digit tokens/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "provision --hotp into a Duo file of TOTP tokens",
    setup: async (c) => void (await expectOk(cli(c, provision(c, "--serial", "SIX-1")))),
    args: (c) => provision(c, "--serial", "H-1", "--hotp"),
    code: EXIT.usage,
    stderr: [/it holds TOTP 6-digit tokens/, /this one is HOTP 6-digit/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "provision into a Duo file holding a serial this ledger does not know (its type cannot be told)",
    setup: async (c) => writeFileSync(c.out, `OTHER-9,${SEED_20}\n`, { mode: 0o600 }),
    args: (c) => provision(c, "--serial", "TS-1"),
    code: EXIT.usage,
    stderr: [/holds a line for "OTHER-9", which this ledger does not know/, /give a new file/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "provision --algorithm SHA256 with a Duo --out (Duo takes SHA-1 only: refused before the token is touched)",
    args: (c) => provision(c, "--serial", "TS-1", "--algorithm", "SHA256"),
    code: EXIT.usage,
    stderr: [/--format duo\) cannot take this token/, /Duo accepts only SHA-1/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "provision --digits 7 --format otpauth (phone apps take 6 or 8: refused before the token is touched)",
    args: (c) => provision(c, "--serial", "TS-1", "--digits", "7", "--format", "otpauth"),
    code: EXIT.usage,
    stderr: [/--format otpauth\) cannot take this token/, /7 digits/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "batch --digits 8 into a Duo file of TOTP 6-digit tokens (no batch is begun)",
    setup: async (c) => void (await expectOk(cli(c, provision(c, "--serial", "SIX-1")))),
    args: (c) => ["batch", "--port", c.rack.address, "--out", c.out, "--count", "2", "--prefix", "B-", "--digits", "8"],
    code: EXIT.usage,
    stderr: [/it holds TOTP 6-digit tokens \(SIX-1/, /this one is TOTP 8-digit/, /No token was touched/],
    mayAskHello: true,
  },
  {
    name: "provision --out in a folder that does not exist",
    args: (c) => ["provision", "--port", c.rack.address, "--serial", "TS-1", "--out", path.join(c.home, "missing", "import.csv")],
    code: EXIT.usage,
    stderr: [/missing does not exist/, /create it first/, /No token was touched/],
  },
  {
    name: "provision --out in a read-only folder",
    setup: async (c) => {
      mkdirSync(path.join(c.home, "locked"), { mode: 0o555 });
      chmodSync(path.join(c.home, "locked"), 0o555);
      chmodSync(c.home, 0o755); // user nobody (below, when running as root) may look in
    },
    args: (c) => ["provision", "--port", c.rack.address, "--serial", "TS-1", "--out", path.join(c.home, "locked", "import.csv")],
    code: EXIT.usage,
    stderr: [/locked is not writable/, /No token was touched/],
    asNobody: process.getuid?.() === 0,
  },
  {
    name: "provision with neither --out nor --escrow",
    args: (c) => ["provision", "--port", c.rack.address, "--serial", "TS-1"],
    code: EXIT.usage,
    stderr: [/say where the seeds go/, /--out FILE/, /--escrow/],
  },
  {
    name: "provision --port tcp://127.0.0.1:1 (nothing listening)",
    args: (c) => ["provision", "--port", "tcp://127.0.0.1:1", "--serial", "TS-1", "--out", c.out],
    code: EXIT.unreachable,
    stderr: [/cannot connect to tcp:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/, /start `tokensmith sim|check the bridge/],
  },
  {
    name: "provision on a TCP port where something silent listens",
    setup: (c) => notAToken(c, "silent"),
    args: (c) => ["provision", "--port", c.address!, "--serial", "TS-1", "--out", c.out],
    code: EXIT.unreachable,
    stderr: [/no answer from the token on tcp:\/\/127\.0\.0\.1:\d+ after 3 tries/, /is it a tokensmith token/],
  },
  {
    name: "provision on a TCP port where an Espruino REPL answers",
    setup: (c) => notAToken(c, "repl"),
    args: (c) => ["provision", "--port", c.address!, "--serial", "TS-1", "--out", c.out],
    code: EXIT.unreachable,
    stderr: [/no answer from the token/, /is it a tokensmith token/, /running the firmware/],
  },
  {
    name: "export with a wrong escrow passphrase",
    setup: async (c) => void (await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "ESC-1", "--escrow"]))),
    args: (c) => ["export", "otpauth", "--out", c.out],
    env: { TOKENSMITH_ESCROW_PASSPHRASE: "not the passphrase" },
    code: EXIT.ledger,
    stderr: [/wrong passphrase/, /give the passphrase .*escrow was created with/],
  },
  {
    name: "export duo of a SHA256 token",
    setup: async (c) => void (await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "SHA-1", "--algorithm", "SHA256", "--escrow"]))),
    args: (c) => ["export", "duo", "--out", c.out],
    code: EXIT.usage,
    stderr: [/Nothing was exported/, /uses SHA256, but Duo accepts only SHA-1/, /re-provision it as SHA-1, or import it elsewhere/],
  },
  {
    name: "export duo --out - when a good token is followed by a SHA256 one: nothing at all on standard output",
    setup: async (c) => {
      await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "A-1", "--escrow"]));
      await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "B-1", "--algorithm", "SHA256", "--escrow"]));
    },
    args: () => ["export", "duo", "--out", "-"],
    code: EXIT.usage,
    stderr: [/Nothing was exported/, /"B-1": uses SHA256/],
  },
  {
    name: "export duo with no filter when one token has no escrowed seed (points to the tokens that have one)",
    setup: async (c) => {
      await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "ESC-1", "--escrow"]));
      await expectOk(cli(c, ["provision", "--port", c.rack.address, "--serial", "PLAIN-1", "--out", path.join(c.home, "plain.csv")]));
    },
    args: (c) => ["export", "duo", "--out", c.out],
    code: EXIT.usage,
    stderr: [/no escrowed seed for PLAIN-1/, /To export the selected token that has one, name it with --serial ESC-1/, /--batch ID/],
  },
  {
    name: "code with both --secret-hex and --secret",
    args: () => ["code", "--secret-hex", SEED_20, "--secret", SEED_20],
    code: EXIT.usage,
    stderr: [/give the hex seed once: --secret-hex or --secret, not both/],
  },
  {
    name: "code with a --time that is no time",
    args: () => ["code", "--secret", SEED_20, "--time", "yesterday"],
    code: EXIT.usage,
    stderr: [/time "yesterday" is not Unix seconds/, /UTC ISO 8601/],
  },
  {
    name: "code with a local (non-UTC) --time",
    args: () => ["code", "--secret", SEED_20, "--time", "2026-11-22T12:00:00+01:00"],
    code: EXIT.usage,
    stderr: [/is not Unix seconds/, /tokensmith uses UTC only/],
  },
  {
    name: "seed convert of a value that is both hex and Base32",
    args: () => ["seed", "convert", "ABCDEF234567ABCD"],
    code: EXIT.usage,
    stderr: [/valid both as hex and as Base32/, /--from hex or --from base32/],
  },
];

/**
 * The data directory's files with a digest of each one's bytes (the ledger's by name only: its
 * rows are compared separately, and its -wal/-shm come and go with connections).
 */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (/-(wal|shm)$/.test(name)) continue;
      const link = lstatSync(full);
      if (link.isSymbolicLink()) out.push(`${path.relative(dir, full)} -> ${readlinkSync(full)}`);
      else if (link.isDirectory()) walk(full);
      else out.push(path.relative(dir, full) + (name.startsWith("ledger.sqlite") ? "" : " " + createHash("sha256").update(readFileSync(full)).digest("hex")));
    }
  };
  walk(dir);
  return out.sort();
}

describe("bad invocations: exit code, message, nothing written", () => {
  const nobodyBlocked = nobodyCannotRun();
  for (const bad of cases) (bad.asNobody && nobodyBlocked !== "" ? it.skip : it)(bad.asNobody && nobodyBlocked !== "" ? `${bad.name}: skipped, ${nobodyBlocked}` : bad.name, async () => {
    const ctx = await context();
    openLedger(ctx.ledgerPath).close(); // the ledger exists: its rows must not change
    await bad.setup?.(ctx);
    const before = {
      files: files(ctx.home),
      ledger: ledgerContents(ctx.ledgerPath),
      flash: ctx.rack.tokens.map((t) => Buffer.from(t.flash.rawImage())),
      received: ctx.rack.received.map((lines) => lines.length),
      connections: ctx.rack.connections.length,
    };
    expect(before.ledger).not.toBeNull();

    const run = await runCli(bad.args(ctx), {
      home: ctx.home,
      env: { TOKENSMITH_ESCROW_PASSPHRASE: PASSPHRASE, ...bad.env },
      ...(bad.asNobody ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(run.code, `exit code; stderr: ${run.stderr}`).toBe(bad.code);
    expect(run.stderr.startsWith("tokensmith: "), run.stderr).toBe(true);
    for (const pattern of bad.stderr) expect(run.stderr).toMatch(pattern);
    expect(run.stdout).toBe("");

    expect(files(ctx.home), "no file created, changed or removed (no import file)").toEqual(before.files);
    if (!bad.setup) expect(existsSync(ctx.out), "no import file").toBe(false);
    expect(ledgerContents(ctx.ledgerPath), "the ledger's rows are unchanged").toBe(before.ledger);
    ctx.rack.tokens.forEach((token, i) => expect(Buffer.from(token.flash.rawImage()).equals(before.flash[i]), `token ${i}'s flash is unchanged`).toBe(true));
    const sent = ctx.rack.received.flatMap((lines, i) => lines.slice(before.received[i]).map(verbOf));
    if (bad.mayAskHello) expect(sent.filter((verb) => verb !== "HELLO"), "only HELLO reached a token").toEqual([]);
    else {
      expect(ctx.rack.connections.length, "the token was never connected to").toBe(before.connections);
      expect(sent).toEqual([]);
    }
  });

  it("the same 64-bit seed with --allow-short is provisioned, with a warning", async () => {
    const ctx = await context();
    const seed = "0011223344556677";
    const run = await cli(ctx, provision(ctx, "--serial", "SHORT-1", "--secret-hex", seed, "--allow-short"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: this seed is only 64 bits, below RFC 4226's 128-bit minimum/);
    const lines = readDuoFile(ctx.out);
    expect(lines.map((l) => [l.serial, Buffer.from(l.secret).toString("hex")])).toEqual([["SHORT-1", seed]]);
    const token = ctx.rack.tokens[0];
    expect((await helloOf(token)).serial).toBe("SHORT-1");
    const shown = shownCode(token);
    expect(shown.code).toBe(oracle(Buffer.from(seed, "hex"), shown.time));
  });

  it("provision --format otpauth --digits 8: warned before the token is touched that phone apps may show 6; the URI names the issuer tokensmith by default", async () => {
    const ctx = await context();
    const run = await cli(ctx, provision(ctx, "--serial", "URI-1", "--format", "otpauth", "--digits", "8", "--escrow"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^warning: the key URIs written to .*import\.csv: 8 digits: many authenticator apps show 6/m);
    const url = new URL(readFileSync(ctx.out, "utf8").trim());
    expect(url.searchParams.get("issuer")).toBe("tokensmith");
    expect(decodeURIComponent(url.pathname.slice(1))).toBe("tokensmith:URI-1");
    expect(url.searchParams.get("digits")).toBe("8");
    // export says the same for the token it exports as a key URI, and nothing for a Duo file.
    const exported = await cli(ctx, ["export", "otpauth", "--out", path.join(ctx.home, "again.txt")]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/^warning: token "URI-1": 8 digits: many authenticator apps show 6/m);
    const duo = await cli(ctx, ["export", "duo", "--out", path.join(ctx.home, "duo.csv")]);
    expect(duo.code, duo.stderr).toBe(0);
    expect(duo.stderr).toBe("");
    // A 6-digit SHA-1 30 s token gives no warning.
    const plain = await cli(ctx, ["provision", "--port", ctx.rack.address, "--serial", "URI-2", "--format", "otpauth", "--out", path.join(ctx.home, "six.txt")]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toBe("");
  });

  it("a service's own 80-bit key from its URI (Autotask's length) is taken without --allow-short, with a warning naming the service", async () => {
    const ctx = await context();
    const key = "JBSWY3DPEHPK3PXP"; // 16 Base32 characters: 80 bits
    const uri = `otpauth://totp/Autotask:helpdesk?secret=${key}&issuer=Autotask`;
    const run = await cli(ctx, provision(ctx, "--serial", "AT-1", "--otpauth", uri));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: this seed is only 80 bits, below RFC 4226's 128-bit minimum: Autotask's choice/);
    const token = ctx.rack.tokens[0];
    const shown = shownCode(token);
    expect(shown.code).toBe(oracle(Buffer.from("48656c6c6f21deadbeef", "hex"), shown.time)); // JBSWY3DPEHPK3PXP in hex
    // The same key typed by hand still needs --allow-short.
    const typed = await cli(ctx, provision(ctx, "--serial", "AT-2", "--secret-base32", key));
    expect(typed.code).toBe(EXIT.usage);
    expect(typed.stderr).toMatch(/80 bits; RFC 4226 section 4 requires at least 128 bits.*--allow-short/);
  });

  it("provision --qr-image: the key URI read from a screenshot of the service's QR code (JPEG, inside a page) goes onto the token, its 80-bit key taken with the warning", async () => {
    const ctx = await context();
    const shot = path.join(ctx.home, "autotask.jpg");
    writeQrImage(shot, "otpauth://totp/Autotask:helpdesk?secret=JBSWY3DPEHPK3PXP&issuer=Autotask", { scale: 5, format: "jpeg", quality: 60, screenshot: { width: 1024, height: 700, x: 600, y: 200 } });
    const run = await cli(ctx, provision(ctx, "--serial", "QR-1", "--qr-image", shot));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: this seed is only 80 bits.*Autotask's choice/);
    expect(run.stdout + run.stderr).not.toContain("JBSWY3DPEHPK3PXP");
    expect(readDuoFile(ctx.out).map((l) => [l.serial, Buffer.from(l.secret).toString("hex")])).toEqual([["QR-1", "48656c6c6f21deadbeef"]]);
    const shown = shownCode(ctx.rack.tokens[0]);
    expect(shown.code).toBe(oracle(Buffer.from("48656c6c6f21deadbeef", "hex"), shown.time));
    // An image without a code: refused before the token is touched.
    const blank = path.join(ctx.home, "blank.png");
    writePageWithoutCode(blank);
    const none = await cli(ctx, provision(ctx, "--serial", "QR-2", "--qr-image", blank));
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toMatch(/no QR code found/);
    expect(ledgerContents(ctx.ledgerPath)).not.toMatch(/QR-2/);
  });

  it("provision --qr-image of a Google Authenticator transfer code and a second --otpauth: four services' keys as four profiles on one token, each verified by the token, labelled after its service, escrowed", async () => {
    const ctx = await context();
    const secrets = [randomBytes(20), randomBytes(32), randomBytes(10)];
    const transfer = migrationUri([
      { secret: secrets[0], name: "Autotask:helpdesk@example.com", issuer: "Autotask", type: 2 },
      { secret: secrets[1], name: "ops@example.com", issuer: "Datto RMM", algorithm: 2, digits: 2, type: 2 },
      { secret: secrets[2], name: "vpn", issuer: "VPN", type: 1, counter: 5 },
    ]);
    const shot = path.join(ctx.home, "transfer.png");
    writeQrImage(shot, transfer, { scale: 3, screenshot: { width: 900, height: 600, x: 300, y: 120 } });
    const github = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    // The profiles' order: each --otpauth, then each --qr-image (its accounts in order), then --keys.
    const run = await cli(ctx, ["provision", "--port", ctx.rack.address, "--serial", "GA-1", "--escrow", "--qr-image", shot, "--otpauth", `otpauth://totp/GitHub:me?secret=${github}&issuer=GitHub`, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).profiles).toEqual(["GitHub", "Autotask", "Datto RMM", "VPN"]);
    expect(run.stderr).toMatch(/profile 4's seed is only 80 bits.*VPN's choice/);
    expect((await helloOf(ctx.rack.tokens[0])).labels).toEqual(["GitHub", "Autotask", "Datto RMM", "VPN"]);
    // Profile 1's code on the display is GitHub's.
    const shown = shownCode(ctx.rack.tokens[0]);
    expect(shown.code).toBe(oracle(Buffer.from("12345678901234567890"), shown.time));
    const ledger = openLedgerReadOnly(ctx.ledgerPath);
    try {
      expect(ledger.extraProfiles("GA-1").map((p) => [p.slot, p.label, p.kind, p.algorithm, p.digits, p.counter, p.hasEscrowedSeed])).toEqual([
        [2, "Autotask", "totp", "SHA1", 6, 0, true],
        [3, "Datto RMM", "totp", "SHA256", 8, 0, true],
        [4, "VPN", "hotp", "SHA1", 6, 5, true],
      ]);
      ledger.unlockEscrow(PASSPHRASE);
      expect(Buffer.from(ledger.escrowedSeed("GA-1")!).toString("latin1")).toBe("12345678901234567890"); // GEZDGNBV... in Base32
      for (const slot of [2, 3, 4]) expect(Buffer.from(ledger.escrowedProfileSeed("GA-1", slot)!).equals(secrets[slot - 2]), `profile ${slot}`).toBe(true);
    } finally {
      ledger.close();
    }
    // Nine keys are more than a token holds: refused before it is touched.
    const many = Array.from({ length: 9 }, (_, i) => ["--otpauth", `otpauth://totp/S${i}:x?secret=${github}&issuer=S${i}`]).flat();
    const tooMany = await cli(ctx, ["provision", "--port", ctx.rack.address, "--serial", "GA-2", "--escrow", ...many]);
    expect(tooMany.code).toBe(EXIT.usage);
    expect(tooMany.stderr).toMatch(/9 keys given; a token holds at most 8 profiles/);
  });

  it("the same serial on the same (already provisioned) token: refused by the token's state, exit 1", async () => {
    const ctx = await context();
    await expectOk(cli(ctx, provision(ctx, "--serial", "TWICE-1")));
    const flash = Buffer.from(ctx.rack.tokens[0].flash.rawImage());
    const ledger = ledgerContents(ctx.ledgerPath);
    ctx.rack.autoAdvance = false; // the operator plugs the same token in again
    const again = await cli(ctx, ["provision", "--port", ctx.rack.address, "--serial", "TWICE-1", "--out", path.join(ctx.home, "again.csv")]);
    expect(again.code).toBe(EXIT.failed);
    expect(again.stderr).toMatch(/already provisioned as TWICE-1 \(in the ledger\): connect another one, or wipe it first/);
    expect(existsSync(path.join(ctx.home, "again.csv"))).toBe(false);
    expect(ledgerContents(ctx.ledgerPath)).toBe(ledger);
    expect(Buffer.from(ctx.rack.tokens[0].flash.rawImage()).equals(flash)).toBe(true);
  });
});

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

describe("--help and --json", () => {
  const paths = [[], ...commandPaths(buildProgram())];

  it("knows every command", () => {
    const names = paths.map((p) => p.join(" "));
    for (const expected of ["provision", "batch", "export", "time check", "time sync", "wipe", "ledger list", "ledger show", "ledger forget", "seed convert", "code", "info"]) {
      expect(names).toContain(expected);
    }
  });

  it.each(paths.map((p) => ({ command: p.join(" ") || "(none)", path: p })))("tokensmith $command --help exits 0 with a usage line and the exit codes", async ({ path: words }) => {
    const home = newHome("help");
    const run = await runCli([...words, "--help"], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: tokensmith${words.map((w) => " " + w).join("")}( |$)`, "m"));
    expect(run.stdout).toMatch(/^Exit codes: 0 done; 1 the work failed .*; 2 bad usage or input/m);
    expect(run.stdout).toMatch(/4 ledger or escrow refused; 130 interrupted\.$/m);
  });

  it("code takes the hex seed as --secret-hex (as provision does) or --secret (as oathtool users type it): RFC 6238's vector at 59 s", async () => {
    const home = newHome("code-hex");
    for (const option of ["--secret-hex", "--secret"]) {
      const run = await runCli(["code", option, SEED_20, "--time", "59", "--digits", "8"], { home });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("94287082\n");
    }
  });

  it("ledger forget: a provisioned token only with --force; --json says what the row became", async () => {
    const ctx = await context();
    await expectOk(cli(ctx, provision(ctx, "--serial", "GONE-1")));
    const refused = await cli(ctx, ["ledger", "forget", "GONE-1"]);
    expect(refused.code).toBe(EXIT.ledger);
    expect(refused.stderr).toMatch(/--force/);
    const forced = await cli(ctx, ["ledger", "forget", "GONE-1", "--force", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ serial: "GONE-1", state: "wiped", ledger: ctx.ledgerPath });
  });

  it("under --json a failure is a JSON object on stdout too, with its exit code (and the sentence on stderr)", async () => {
    const home = newHome("json-error");
    const missing = await runCli(["ledger", "list", "--ledger", path.join(home, "typo.sqlite"), "--json"], { home });
    expect(missing.code).toBe(EXIT.ledger);
    const error = JSON.parse(missing.stdout).error;
    expect(error.exitCode).toBe(EXIT.ledger);
    expect(error.message).toMatch(/typo\.sqlite/);
    expect(missing.stderr).toBe(`tokensmith: ${error.message}\n`);
    const usage = await runCli(["provision", "--no-such-option", "--json"], { home });
    expect(usage.code).toBe(EXIT.usage);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { message: expect.stringMatching(/unknown option '--no-such-option'/), exitCode: EXIT.usage } });
    // Without --json, stdout stays empty.
    expect((await runCli(["ledger", "list", "--ledger", path.join(home, "typo.sqlite")], { home })).stdout).toBe("");
  });

  it("provision, ledger list and info print JSON with --json", async () => {
    const ctx = await context();
    const provisioned = await cli(ctx, provision(ctx, "--prefix", "JS-", "--json"));
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(JSON.parse(provisioned.stdout)).toMatchObject({ serial: "JS-000001", tokenId: ctx.rack.chipOf(0), resumed: false, importFile: ctx.out, escrow: false });
    const list = await cli(ctx, ["ledger", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ tokens: [{ serial: "JS-000001", state: "provisioned", tokenId: ctx.rack.chipOf(0) }], unfinishedBatches: [] });
    ctx.rack.autoAdvance = false;
    const info = await cli(ctx, ["info", "--port", ctx.rack.address, "--json"]);
    expect(info.code, info.stderr).toBe(0);
    const hello = JSON.parse(info.stdout);
    expect(hello).toMatchObject({ model: "tokensmith-esp32", serial: "JS-000001", id: ctx.rack.chipOf(0), state: "ready", clockOk: true });
    expect(Math.abs(hello.offsetSeconds)).toBeLessThanOrEqual(2);
  });
});
