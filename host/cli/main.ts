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
import { runSimSession } from "../../hardware/sim/session.js";
import { parseListenAddress } from "../../hardware/sim/uart-server.js";
import { CONTROL_HELP } from "../../hardware/sim/control.js";
import { existsSync } from "node:fs";

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

  program
    .command("sim")
    .description(
      "Run a simulated token (the exact firmware bundle on emulated Espruino, DS3231, SSD1306, button and flash) with its UART on a TCP port. Control it with commands on stdin, one per line:\n" +
        CONTROL_HELP,
    )
    .option("--listen <host:port>", "where the token's UART listens (port 0 picks a free one)", "127.0.0.1:0")
    .option("--speed <factor>", "virtual seconds per real second", "1")
    .option("--no-crypto", "simulate Espruino without require(\"crypto\") (classic ESP32 IDF4 builds): the pure SHA-1 path")
    .option("--flash <file>", "keep the token's flash in this file across runs")
    .option("--drift <ppm>", "DS3231 drift in parts per million", "0")
    .option("--rtc-time <unix-seconds>", "the DS3231's time at start (default: now)")
    .option("--no-display", "do not draw the display in the terminal")
    .action(async (options: { listen: string; speed: string; crypto: boolean; flash?: string; drift: string; rtcTime?: string; display: boolean }) => {
      const firmware = artifactPath("dist/espruino/tokensmith-firmware.js");
      if (!existsSync(firmware)) throw new InputError("the firmware is not built: run `npm run build` first");
      const speed = Number(options.speed);
      const drift = Number(options.drift);
      const rtc = options.rtcTime === undefined ? undefined : Number(options.rtcTime);
      if (!(speed > 0 && speed <= 10000)) throw new InputError("--speed must be a number from 0 (exclusive) to 10000");
      if (!Number.isFinite(drift) || Math.abs(drift) > 1000) throw new InputError("--drift must be parts per million, -1000 to 1000");
      if (rtc !== undefined && !(Number.isInteger(rtc) && rtc >= 0 && rtc < 2 ** 32)) throw new InputError("--rtc-time must be whole Unix seconds");
      let address: { host: string; port: number };
      try {
        address = parseListenAddress(options.listen);
      } catch (error) {
        throw new InputError((error as Error).message);
      }
      await runSimSession(
        {
          ...address,
          speed,
          nativeCrypto: options.crypto,
          flashFile: options.flash,
          driftPpm: drift,
          rtcUnixSeconds: rtc,
          drawDisplay: options.display,
          color: !process.env.NO_COLOR && process.stdout.isTTY === true,
        },
        { input: process.stdin, print: (text) => process.stdout.write(text) },
      );
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
