/** `tokensmith install`: the built token firmware onto a board running Espruino (see host/install/install.ts). */
import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { artifactPath, dataDirectory, FIRMWARE_VERSION, InputError, install, openTransport, type InstallResult } from "../../index.js";
import { insecureNetworkAllowed, resolvePort } from "../session.js";
import { printJson, printLine, style } from "../output.js";

const BUNDLE = "dist/espruino/tokensmith-firmware.js";

interface InstallFlags {
  port?: string;
  force?: boolean;
  json?: boolean;
  firmware?: string;
  expectVersion?: string;
}

function describe(result: InstallResult): string[] {
  const lines: string[] = [];
  if (result.espruino) {
    lines.push(`espruino   ${result.espruino.version} on ${result.espruino.board}, crypto ${result.espruino.hasCrypto ? "present (native SHA-1)" : "absent (pure JavaScript SHA-1)"}`);
  }
  lines.push(`${result.action === "installed" ? style.good("installed") : "unchanged"}  ${result.reason}`);
  if (result.hello) lines.push(`token      firmware ${result.hello.firmware}, serial ${result.hello.serial || "(not provisioned)"}, ${result.hello.state}, hashing ${result.hello.hash}`);
  const f = result.figures;
  if (f.chunks > 0) {
    lines.push(`figures    ${f.bundleBytes} byte bundle, ${f.chunks} chunks, ${f.wireBytesSent} bytes sent (${(f.wireBytesSent / f.bundleBytes).toFixed(2)}x), ~${f.secondsAt115200.toFixed(1)} s at 115200 baud`);
  }
  return lines;
}

export function registerInstall(program: Command): void {
  program
    .command("install")
    .description(
      "Upload the built token firmware to a board running Espruino (bare, or a token: then hold its button), verify it by CRC on the device, make it the boot code, reboot and check HELLO. The same version is left alone unless --force.",
    )
    .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
    .option("--force", "install even when the same firmware is already there")
    .option("--firmware <file>", "the bundle to install (default: the built dist/espruino/tokensmith-firmware.js)")
    .option("--expect-version <version>", `the version HELLO must report afterwards (default ${FIRMWARE_VERSION})`)
    .option("--json", "machine-readable output")
    .action(async (o: InstallFlags) => {
      const file = o.firmware ?? artifactPath(BUNDLE);
      if (!existsSync(file)) throw new InputError(`${file} does not exist: run npm run build first (or name the bundle with --firmware)`);
      const bundle = readFileSync(file, "latin1");
      const port = await resolvePort(o.port);
      const transport = await openTransport(port, { simFlashFile: path.join(dataDirectory(), "sim-token-flash.json"), insecureNetwork: insecureNetworkAllowed() });
      const tty = process.stderr.isTTY === true && !o.json;
      let lastQuarter = -1;
      try {
        const result = await install(transport, bundle, {
          force: o.force,
          expectedVersion: o.expectVersion,
          log: o.json ? undefined : (message) => process.stderr.write(`${message}\n`),
          progress: (sent, total) => {
            if (o.json) return;
            if (tty) process.stderr.write(`\ruploading ${sent}/${total} bytes (${Math.floor((sent * 100) / total)}%)${sent === total ? "\n" : ""}`);
            else if (Math.floor((sent * 4) / total) !== lastQuarter) {
              lastQuarter = Math.floor((sent * 4) / total);
              process.stderr.write(`uploaded ${sent}/${total} bytes\n`);
            }
          },
        });
        if (o.json) printJson({ port, ...result });
        else for (const line of describe(result)) printLine(line);
      } finally {
        await transport.close();
      }
    });
}
