/** `tokensmith demo`: a simulated token provisioned as a real one would be. */
import type { Command } from "commander";
import { runCoreDemo, runTokenDemo } from "../../index.js";
import { EXIT, printJson, printLine, style } from "../output.js";
import { simulator } from "../simulator.js";

const REAL_BOARD_STEPS = `With a real board (README.md, "From a bare ESP32 to a token in Duo"):
  tokensmith flash-espruino espruino_2v29_esp32.tgz     Espruino onto the ESP32 (once)
  tokensmith install                                   the token firmware
  tokensmith provision --prefix TS- --out duo-t6.txt   seed, clock, verify, record
  then Duo Admin Panel > 2FA Devices > Hardware Tokens > Import Hardware Tokens,
  type "TOTP 6-digit", and paste the file's lines.`;

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Provision a simulated token (the real firmware on the software twin) as a real one would be, press its button, show its display and the Duo import line. Uses a throwaway folder and a throwaway seed; your ledger is not touched. --builds instead shows the three builds of the OTP core agreeing.",
    )
    .option("--builds", "compute one code with the Node, Espruino and Lua builds of the core and compare")
    .option("--json", "machine-readable output")
    .action(async (options: { builds?: boolean; json?: boolean }) => {
      if (options.builds) {
        const result = runCoreDemo();
        if (options.json) printJson(result);
        else {
          printLine(`Fresh 20-byte seed, TOTP SHA-1, 6 digits, 30 s; Unix time ${result.unixSeconds} (${result.secondsLeft} s left in this window)\n`);
          for (const c of result.codes) printLine(`  ${c.build.padEnd(36)} ${c.code ?? `-   (${c.note})`}`);
          printLine(result.agree ? "\nAll builds agree." : "\nThe builds DISAGREE: this is a bug, please report it.");
        }
        if (!result.agree) process.exitCode = EXIT.failed;
        return;
      }
      const demo = await runTokenDemo({ color: !process.env.NO_COLOR && process.stdout.isTTY === true, simulator });
      if (options.json) {
        printJson(demo);
        return;
      }
      printLine(`Provisioned a simulated token as ${style.bold(demo.serial)}: clock set, seed written, verified (${demo.hash} SHA-1). Its display after a press:\n`);
      printLine(demo.display);
      printLine(`\nDuo import line (Hardware Tokens > Import, type TOTP 6-digit). A throwaway demo seed:`);
      printLine(`  ${demo.duoLine}\n`);
      printLine(REAL_BOARD_STEPS);
    });
}
