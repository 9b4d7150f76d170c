/** `tokensmith seed convert`: Base32 <-> hex, with the bit length. */
import type { Command } from "commander";
import { convertSeed } from "../../index.js";
import { printJson, printLine } from "../output.js";
import { readSecretArgument, parseChoice } from "../options.js";

export function registerSeed(program: Command): void {
  const seed = program.command("seed").description("Work with seeds you hold (conversion only: nothing is sent to a token)");
  seed
    .command("convert")
    .description("Convert a seed between Base32 (authenticator apps, activation QR codes, Entra) and hex (what Duo's import wants); shows its length in bits and warns under 128. Pass - to read the value from stdin.")
    .argument("<value>", "hex, Base32 or an otpauth:// URI (or - for stdin)")
    .option("--from <format>", "hex, base32 or otpauth (detected when unambiguous)")
    .option("--json", "machine-readable output")
    .action(async (value: string, o: { from?: string; json?: boolean }) => {
      const from = o.from === undefined ? undefined : parseChoice(o.from, ["hex", "base32", "otpauth"] as const, "--from");
      const converted = convertSeed(await readSecretArgument(value), from);
      if (o.json) {
        printJson(converted);
        return;
      }
      printLine(`hex     ${converted.hex}`);
      printLine(`base32  ${converted.base32}`);
      printLine(`bits    ${converted.bits}${converted.bits < 128 ? "  (below RFC 4226's 128-bit minimum)" : ""}`);
      if (converted.warning) process.stderr.write(converted.warning + "\n");
    });
}
