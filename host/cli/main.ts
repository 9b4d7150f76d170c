/**
 * The tokensmith command line: parses, prints, sets exit codes. No logic of its own.
 *
 * Exit codes: 0 success, 1 failure of the work itself, 2 bad usage or bad input.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { runCoreDemo } from "../demo/core-demo.js";
import { InputError } from "../core/otp.js";
import { artifactPath } from "../paths.js";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function version(): string {
  return JSON.parse(readFileSync(artifactPath("package.json"), "utf8")).version;
}

export function buildProgram(): Command {
  const program = new Command("tokensmith")
    .description("Make and provision open TOTP/HOTP hardware tokens (Espruino on ESP32).")
    .version(version())
    .showHelpAfterError()
    .exitOverride();

  program
    .command("demo")
    .description("Compute the current TOTP code for a fresh random seed with all three builds of the portable core (Node, Espruino ES5, NodeMCU Lua) and show that they agree. The seed is not shown.")
    .option("--json", "print machine-readable JSON")
    .action((options: { json?: boolean }) => {
      const result = runCoreDemo();
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
      } else {
        console.log(`Fresh 20-byte seed, TOTP SHA-1, 6 digits, 30 s; Unix time ${result.unixSeconds} (${result.secondsLeft} s left in this window)\n`);
        for (const c of result.codes) console.log(`  ${c.build.padEnd(36)} ${c.code ?? `-   (${c.note})`}`);
        console.log(result.agree ? "\nAll builds agree." : "\nThe builds DISAGREE: this is a bug, please report it.");
      }
      if (!result.agree) process.exitCode = EXIT.failed;
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof InputError) {
      console.error(`tokensmith: ${error.message}`);
      process.exitCode = EXIT.usage;
      return;
    }
    throw error;
  }
}
