/** `tokensmith flash-espruino`: write an Espruino ESP32 release onto a board, verified. */
import type { Command } from "commander";
import { ESPRUINO_ESP32_LAYOUT, flashEspruino, InputError, loadRelease, serialPortLink, type FlashProgress, type FlashResult } from "../../index.js";
import { parseWhole } from "../options.js";
import { printJson, printLine, style } from "../output.js";
import { resolvePort } from "../session.js";

export const DEFAULT_FLASH_BAUD = 921600;

interface Options {
  port?: string;
  baud: string;
  bootloader?: string;
  partitions?: string;
  app?: string;
  compress: boolean;
  json?: boolean;
  verbose?: boolean;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function registerFlashEspruino(program: Command): void {
  const layout = ESPRUINO_ESP32_LAYOUT;
  program
    .command("flash-espruino")
    .argument("[release]", "Espruino ESP32 release: the .tgz/.zip archive or its unpacked folder")
    .description(
      `Write Espruino onto a bare ESP32 over its ROM bootloader (esptool-js): bootloader at ${hex(layout.bootloader.offset)}, partition table at ${hex(layout.partitions.offset)}, firmware at ${hex(layout.app.offset)}; each region is then checked with the chip's MD5 of its flash, and the board is reset into Espruino.`,
    )
    .option("-p, --port <device>", "serial device (default: the one ESP32-looking port)")
    .option("--baud <rate>", "transfer speed after connecting at 115200 (lower it if writes fail)", String(DEFAULT_FLASH_BAUD))
    .option("--bootloader <file[@offset]>", `the bootloader instead of the release's (default offset ${hex(layout.bootloader.offset)})`)
    .option("--partitions <file[@offset]>", `the partition table instead of the release's (default offset ${hex(layout.partitions.offset)})`)
    .option("--app <file[@offset]>", `the Espruino firmware instead of the release's (default offset ${hex(layout.app.offset)})`)
    .option("--no-compress", "send the images uncompressed")
    .option("--verbose", "show esptool's own log on stderr")
    .option("--json", "machine-readable output")
    .action(async (release: string | undefined, o: Options) => {
      const baudRate = parseWhole(o.baud, 9600, 4_000_000, "--baud");
      // Everything is read and checked before the port is touched.
      const images = loadRelease({ release, bootloader: o.bootloader, partitions: o.partitions, app: o.app });
      const port = await resolvePort(o.port);
      if (port === "sim" || /^tcp:\/\//i.test(port)) throw new InputError(`flash-espruino needs the board's serial port (it drives DTR/RTS to reach the bootloader), not ${port}`);
      const progress = progressPrinter(Boolean(o.json));
      const result = await flashEspruino(serialPortLink(port), images, {
        baudRate,
        compress: o.compress,
        onProgress: progress,
        onLog: o.verbose ? (line) => process.stderr.write(style.dim(`esptool: ${line}`) + "\n") : undefined,
      });
      progress.done();
      report(port, result, Boolean(o.json));
    });
}

function progressPrinter(json: boolean): ((p: FlashProgress) => void) & { done: () => void } {
  const tty = process.stderr.isTTY === true && !json;
  let lastRegion: string | undefined;
  let lastPercent = -1;
  let open = false;
  const print = (p: FlashProgress) => {
    if (json) {
      // One JSON line per step on stderr; stdout stays a single JSON document.
      if (p.phase !== "write" || p.percent !== lastPercent) process.stderr.write(JSON.stringify({ progress: p }) + "\n");
      lastPercent = p.percent;
      return;
    }
    if (p.phase === "connect") process.stderr.write("connecting to the ESP32 bootloader...\n");
    if (p.phase === "write") {
      const line = `writing ${p.region} at ${hex(p.offset!)}: ${Math.floor((100 * p.written!) / p.total!)}% (total ${p.percent}%)`;
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        open = true;
        if (p.written === p.total && p.region !== lastRegion) {
          process.stderr.write("\n");
          open = false;
          lastRegion = p.region;
        }
      } else if (p.written === p.total && p.region !== lastRegion) {
        process.stderr.write(line + "\n");
        lastRegion = p.region;
      }
    }
    if (p.phase === "verify") {
      if (open) process.stderr.write("\n");
      open = false;
      process.stderr.write(`verifying ${p.region} at ${hex(p.offset!)}\n`);
    }
    if (p.phase === "reset") process.stderr.write("resetting into Espruino\n");
  };
  return Object.assign(print, {
    done: () => {
      if (open) process.stderr.write("\n");
    },
  });
}

function report(port: string, result: FlashResult, json: boolean): void {
  if (json) {
    printJson({ port, chip: result.chip, baudRate: result.baudRate, verified: true, regions: result.regions.map((r) => ({ ...r, offset: hex(r.offset) })) });
    return;
  }
  printLine(style.good(`Espruino written to the ${result.chip} on ${port} and verified:`));
  for (const r of result.regions) printLine(`  ${r.name.padEnd(10)} ${hex(r.offset).padStart(8)}  ${String(r.size).padStart(8)} bytes  md5 ${r.md5}`);
}
