/**
 * Commands that only read the ledger change nothing on disk: a mistyped --ledger is an error,
 * not a new ledger; somebody's empty file or SQLite database is refused and left as it was;
 * a ledger's file mode is left alone; and no escrow passphrase is asked for.
 */
import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { openLedger } from "../../host/ledger/ledger.js";
import { cleanupHomes, newHome, runCli } from "./support.js";

afterAll(() => cleanupHomes());

const readOnlyCommands: string[][] = [["ledger", "list"], ["ledger", "show", "TS-000001"], ["time", "check"]];

describe("read-only commands", () => {
  it.each(readOnlyCommands.map((c) => ({ command: c.join(" "), args: c })))("$command --ledger typo.sqlite: exit 4, says so, creates nothing", async ({ args }) => {
    const home = newHome("typo");
    const run = await runCli([...args, "--ledger", path.join(home, "typo.sqlite")], { home });
    expect(run.stderr).toMatch(/there is no ledger at .*typo\.sqlite: check --ledger/);
    expect(run.code).toBe(4);
    expect(existsSync(path.join(home, "typo.sqlite"))).toBe(false);
  });

  it("an empty file is not made into a ledger (by any command)", async () => {
    const home = newHome("empty");
    const file = path.join(home, "notes.sqlite");
    writeFileSync(file, "", { mode: 0o644 });
    for (const args of [["ledger", "list"], ["provision", "--port", "sim", "--serial", "E-1", "--out", path.join(home, "out.csv")]]) {
      const run = await runCli([...args, "--ledger", file], { home });
      expect(run.stderr).toMatch(/notes\.sqlite is an empty file, not a tokensmith ledger/);
      expect(run.code).toBe(4);
      expect(statSync(file).size).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o644);
    }
    expect(existsSync(path.join(home, "out.csv"))).toBe(false);
  });

  it("another program's SQLite database is refused and left byte for byte as it was", async () => {
    const home = newHome("foreign");
    const file = path.join(home, "app.db");
    const db = new Database(file);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');");
    db.close();
    chmodSync(file, 0o644);
    const before = readFileSync(file);
    const run = await runCli(["ledger", "list", "--ledger", file], { home });
    expect(run.stderr).toMatch(/app\.db is an SQLite database but not a tokensmith ledger/);
    expect(run.code).toBe(4);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(file + "-wal")).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it("ledger list on an escrowed ledger asks for no passphrase, and leaves the ledger's mode alone", async () => {
    const home = newHome("escrowed");
    const file = path.join(home, "ledger.sqlite");
    const ledger = openLedger(file, { scryptCost: { logN: 10, r: 8, p: 1 } });
    ledger.unlockEscrow("correct horse battery staple");
    ledger.close();
    chmodSync(file, 0o640);
    const run = await runCli(["ledger", "list", "--ledger", file, "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ tokens: [] });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});
