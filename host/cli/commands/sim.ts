/** `tokensmith sim`: the simulated token on a TCP port. */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { CONTROL_HELP, parseListenAddress, runSimSession } from "../simulator.js";
import { artifactPath, InputError } from "../../index.js";

export function registerSim(program: Command): void {
  program
    .command("sim")
    .description(
      "Run a simulated token (the exact firmware bundle on emulated Espruino, DS3231, SSD1306, button and flash) with its UART on a TCP port. Control it with commands on stdin, one per line:\n" +
        CONTROL_HELP,
    )
    .option("--listen <host:port>", "where the token's UART listens (port 0 picks a free one)", "127.0.0.1:0")
    .option("--speed <factor>", "virtual seconds per real second", "1")
    .option("--no-crypto", 'simulate Espruino without require("crypto") (classic ESP32 IDF4 builds): the pure SHA-1 path')
    .option("--flash <file>", "keep the token's flash in this file across runs")
    .option("--drift <ppm>", "DS3231 drift in parts per million", "0")
    .option("--rtc-time <unix-seconds>", "the DS3231's time at start (default: now)")
    .option("--no-display", "do not draw the display in the terminal")
    .option("--chip-id <hex>", "the chip id HELLO reports, 12 lowercase hex digits (default: random, or the one kept in --flash)")
    .option("--json", "one JSON object a line ({message, listening, chipId} first, then {message} per reply); no display drawing")
    .option("--bare", "a bare ESP32 with Espruino and no tokensmith firmware yet (its REPL on the UART): for tokensmith install")
    .action(async (options: { listen: string; speed: string; crypto: boolean; flash?: string; drift: string; rtcTime?: string; display: boolean; bare?: boolean; chipId?: string; json?: boolean }) => {
      if (!existsSync(artifactPath("dist/espruino/tokensmith-firmware.js"))) throw new InputError("the firmware is not built: run `npm run build` first");
      const speed = Number(options.speed);
      const drift = Number(options.drift);
      const rtc = options.rtcTime === undefined ? undefined : Number(options.rtcTime);
      if (!(speed > 0 && speed <= 10000)) throw new InputError("--speed must be a number from 0 (exclusive) to 10000");
      if (!Number.isFinite(drift) || Math.abs(drift) > 1000) throw new InputError("--drift must be parts per million, -1000 to 1000");
      if (rtc !== undefined && !(Number.isInteger(rtc) && rtc >= 0 && rtc < 2 ** 32)) throw new InputError("--rtc-time must be whole Unix seconds");
      if (options.chipId !== undefined && !/^[0-9a-f]{12}$/.test(options.chipId)) throw new InputError("--chip-id must be 12 lowercase hex digits, like 246f28a1b2c3");
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
          deviceId: options.chipId,
          driftPpm: drift,
          rtcUnixSeconds: rtc,
          drawDisplay: options.display,
          preinstallFirmware: options.bare ? false : undefined,
          color: !process.env.NO_COLOR && process.stdout.isTTY === true,
          redrawInPlace: process.stdout.isTTY === true,
          json: options.json === true,
        },
        { input: process.stdin, print: (text) => process.stdout.write(text) },
      );
    });
}
