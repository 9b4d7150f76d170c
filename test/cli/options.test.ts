/**
 * Options as an administrator expects them from ykman, oathtool and esptool: -V and -v print
 * the version, -h the help, -p is --port everywhere a token is reached, and a mistyped option
 * costs one line and a pointer to --help, not a screen of usage.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cleanupHomes, newHome, runCli } from "./support.js";

afterAll(() => cleanupHomes());

const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version as string;

describe("options", () => {
  it.each(["-V", "-v", "--version"])("%s prints the version", async (flag) => {
    const run = await runCli([flag], { home: newHome("version") });
    expect(run.stdout.trim()).toBe(version);
    expect(run.code).toBe(0);
  });

  it("-h prints the usage", async () => {
    const run = await runCli(["-h"], { home: newHome("help") });
    expect(run.stdout).toMatch(/^Usage: tokensmith/);
    expect(run.code).toBe(0);
  });

  it("a mistyped option: the error, a pointer to --help, exit 2, no screen of usage", async () => {
    const run = await runCli(["info", "--prot", "sim"], { home: newHome("typo") });
    expect(run.stderr).toMatch(/unknown option '--prot'/);
    expect(run.stderr).toMatch(/--help/);
    expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
    expect(run.code).toBe(2);
  });

  it.each([["info"], ["time", "check"], ["wipe", "--yes"], ["install"], ["provision"], ["batch"], ["flash-espruino"]])("%s takes -p for --port", async (...command) => {
    const run = await runCli([...command, "--help"], { home: newHome("short") });
    expect(run.stdout).toMatch(/-p, --port </);
  });

  it("-p sim reaches the simulated token", async () => {
    const run = await runCli(["info", "-p", "sim", "--json"], { home: newHome("p-sim") });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ model: "tokensmith-esp32" });
  });
});
