/**
 * The passphrase prompts, on a real terminal (a pty made by socat): a new escrow passphrase is
 * asked twice and two different answers set nothing; Ctrl-C at a prompt exits 130; and
 * `ledger passphrase` changes it so that only the new one opens the escrow.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";
import { cleanupHomes, newHome, runCli, socatPath } from "./support.js";

afterAll(() => cleanupHomes());

const socat = socatPath();
const inCi = process.env.CI === "true";
if (socat === null && inCi) throw new Error("socat is not on PATH, and CI=true requires it (apt-get install socat)");
const bin = path.resolve("bin/tokensmith.js");

/** Runs the CLI on a pty; `answers` are typed when their prompt appears. Resolves with the output and the CLI's exit status. */
function onTerminal(args: string[], home: string, answers: Array<[RegExp, string]>): Promise<{ output: string; status: number | null }> {
  const command = [process.execPath, bin, ...args].map((word) => word.replace(/[\s,:!"'\\]/g, (c) => "\\" + c)).join(" ");
  const child = spawn(socat!, ["-d", "-", `EXEC:${command},pty,setsid,ctty,stderr`], { env: { ...process.env, TOKENSMITH_HOME: home, NO_COLOR: "1" }, cwd: home });
  let output = "";
  let next = 0;
  const listen = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    while (next < answers.length && answers[next]![0].test(output)) {
      child.stdin.write(answers[next]![1]);
      output = output.replace(answers[next]![0], (m) => `[${m}]`);
      next++;
    }
  };
  child.stdout.on("data", listen);
  child.stderr.on("data", listen);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", () => {
      clearTimeout(timer);
      const status = /exited with status (\d+)/.exec(output);
      resolve({ output: output.replace(/\r/g, ""), status: status ? Number(status[1]) : /E waitpid/.test(output) ? null : 0 });
    });
  });
}

describe.skipIf(socat === null)(`prompts on a terminal${socat === null ? " (SKIPPED: socat is not on PATH)" : ""}`, () => {
  it("a new escrow passphrase is asked twice; two different answers set nothing (exit 2)", async () => {
    const home = newHome("prompt-twice");
    const run = await onTerminal(["provision", "--port", "sim", "--serial", "P-1", "--escrow", "--out", path.join(home, "p.csv")], home, [
      [/New escrow passphrase[^\n]*: $/, "passphrase-one\r"],
      [/Again, to be sure: $/, "passphrase-two\r"],
    ]);
    expect(run.output).toMatch(/the two passphrases differ: nothing was set/);
    expect(run.status).toBe(2);
    const ledger = openLedger(path.join(home, "ledger.sqlite"), { create: false });
    expect([ledger.escrowConfigured(), ledger.listTokens().length]).toEqual([false, 0]);
    ledger.close();
  });

  it("Ctrl-C at the passphrase prompt exits 130", async () => {
    const home = newHome("prompt-ctrl-c");
    const run = await onTerminal(["provision", "--port", "sim", "--serial", "P-2", "--escrow", "--out", path.join(home, "p.csv")], home, [[/New escrow passphrase[^\n]*: $/, "\x03"]]);
    expect(run.output).toMatch(/cancelled at the passphrase prompt/);
    expect(run.status).toBe(130);
  });

  it("ledger passphrase: asked for the current one, then the new one twice; afterwards only the new one opens the escrow", async () => {
    const home = newHome("prompt-change");
    const env = { TOKENSMITH_ESCROW_PASSPHRASE: "first passphrase" };
    const provisioned = await runCli(["provision", "--port", "sim", "--serial", "P-3", "--escrow"], { home, env });
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const run = await onTerminal(["ledger", "passphrase"], home, [
      [/Escrow passphrase: $/, "first passphrase\r"],
      [/New escrow passphrase: $/, "second passphrase\r"],
      [/Again, to be sure: $/, "second passphrase\r"],
    ]);
    expect(run.output).toMatch(/escrow passphrase changed: 3 sealed items re-sealed/);
    expect(run.status).toBe(0);
    const old = await runCli(["export", "otpauth", "--out", path.join(home, "old.txt")], { home, env });
    expect(old.code).toBe(4);
    expect(old.stderr).toMatch(/wrong passphrase/);
    const fresh = await runCli(["export", "otpauth", "--out", path.join(home, "new.txt")], { home, env: { TOKENSMITH_ESCROW_PASSPHRASE: "second passphrase" } });
    expect(fresh.code, fresh.stderr).toBe(0);
  });

  it("wipe asks first, naming the token: 'no' erases nothing (exit 2), 'yes' erases it", async () => {
    const home = newHome("prompt-wipe");
    const provisioned = await runCli(["provision", "--port", "sim", "--serial", "W-1", "--out", path.join(home, "w.csv")], { home });
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const declined = await onTerminal(["wipe", "--port", "sim"], home, [[/Erase every seed and key on W-1 \(chip [0-9a-f]{12}\)\? .*Type yes to erase: /, "no\r"]]);
    expect(declined.output).toMatch(/not confirmed: nothing was erased/);
    expect(declined.status).toBe(2);
    expect(JSON.parse((await runCli(["info", "--port", "sim", "--json"], { home })).stdout)).toMatchObject({ serial: "W-1", state: "ready" });
    const confirmed = await onTerminal(["wipe", "--port", "sim"], home, [[/Type yes to erase: /, "yes\r"]]);
    expect(confirmed.output).toMatch(/wiped W-1/);
    expect(confirmed.status).toBe(0);
    expect(JSON.parse((await runCli(["info", "--port", "sim", "--json"], { home })).stdout)).toMatchObject({ state: "unprovisioned" });
  });

  it("wipe without a terminal and without --yes refuses, erasing nothing", async () => {
    const home = newHome("prompt-wipe-batch");
    expect((await runCli(["provision", "--port", "sim", "--serial", "W-2", "--out", path.join(home, "w.csv")], { home })).code).toBe(0);
    const run = await runCli(["wipe", "--port", "sim"], { home });
    expect(run.stderr).toMatch(/add --yes to confirm \(there is no terminal to ask on\)/);
    expect(run.code).toBe(2);
    expect(JSON.parse((await runCli(["info", "--port", "sim", "--json"], { home })).stdout)).toMatchObject({ serial: "W-2", state: "ready" });
  });
});
