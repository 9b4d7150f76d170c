/** `tokensmith demo`: the three builds of the core agree (until the simulated-token demo). */
import type { Command } from "commander";
import { runCoreDemo } from "../../demo/core-demo.js";
import { EXIT, printJson, printLine } from "../output.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Compute the current TOTP code for a fresh random seed with all three builds of the portable core (Node, Espruino ES5, NodeMCU Lua) and show that they agree. The seed is not shown.")
    .option("--json", "machine-readable output")
    .action((options: { json?: boolean }) => {
      const result = runCoreDemo();
      if (options.json) printJson(result);
      else {
        printLine(`Fresh 20-byte seed, TOTP SHA-1, 6 digits, 30 s; Unix time ${result.unixSeconds} (${result.secondsLeft} s left in this window)\n`);
        for (const c of result.codes) printLine(`  ${c.build.padEnd(36)} ${c.code ?? `-   (${c.note})`}`);
        printLine(result.agree ? "\nAll builds agree." : "\nThe builds DISAGREE: this is a bug, please report it.");
      }
      if (!result.agree) process.exitCode = EXIT.failed;
    });
}
