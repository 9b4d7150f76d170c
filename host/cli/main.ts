/**
 * The tokensmith command line: parses, prompts, prints, sets exit codes. No logic of its own:
 * every command calls the library under host/.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { artifactPath, explainError } from "../index.js";
import { EXIT, EXIT_CODES_HELP, classify, printJson } from "./output.js";
import { registerDemo } from "./commands/demo.js";
import { registerSim } from "./commands/sim.js";
import { registerCode } from "./commands/code.js";
import { registerSeed } from "./commands/seed.js";
import { registerDevices } from "./commands/devices.js";
import { registerInfo } from "./commands/info.js";
import { registerProvision } from "./commands/provision.js";
import { registerBatch } from "./commands/batch.js";
import { registerExport } from "./commands/export.js";
import { registerDuo } from "./commands/duo.js";
import { registerEntra } from "./commands/entra.js";
import { registerLabels } from "./commands/labels.js";
import { registerTime } from "./commands/time.js";
import { registerWipe } from "./commands/wipe.js";
import { registerLedger } from "./commands/ledger.js";
import { registerInstall } from "./commands/install.js";
import { registerFlashEspruino } from "./commands/flash-espruino.js";
import { allowInsecureNetwork } from "./session.js";

function version(): string {
  return JSON.parse(readFileSync(artifactPath("package.json"), "utf8")).version;
}

export function buildProgram(): Command {
  const program = new Command("tokensmith")
    .description("Make and provision open TOTP/HOTP hardware tokens (Espruino on ESP32).")
    .version(version())
    .addHelpText("after", "\n" + EXIT_CODES_HELP)
    .option("--insecure-network", "allow --port tcp:// to another computer: the link is not encrypted, seeds and keys cross it in the clear")
    .showHelpAfterError("(tokensmith --help, or tokensmith COMMAND --help, says what it takes)")
    .exitOverride()
    .hook("preAction", () => allowInsecureNetwork(program.opts().insecureNetwork === true));
  registerDemo(program);
  registerSim(program);
  registerDevices(program);
  registerInfo(program);
  registerProvision(program);
  registerBatch(program);
  registerExport(program);
  registerDuo(program);
  registerEntra(program);
  registerLabels(program);
  registerTime(program);
  registerWipe(program);
  registerCode(program);
  registerSeed(program);
  registerLedger(program);
  registerInstall(program);
  registerFlashEspruino(program);
  // Every command's --help ends with what its exit code means, as the top level's does.
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  for (const command of program.commands.flatMap(everyCommand)) command.exitOverride().addHelpText("after", "\n" + EXIT_CODES_HELP);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  if (process.stdout.listenerCount("error") === 0) {
    // `tokensmith ledger list | head`: a closed pipe ends the output quietly, not with a stack.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(EXIT.ok);
      throw error;
    });
  }
  // -v asks for the version, as -V does (ykman, esptool and most tools take both).
  if (argv[2] === "-v") argv = [...argv.slice(0, 2), "-V", ...argv.slice(3)];
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (error.exitCode !== 0 && argv.includes("--json")) printJson({ error: { message: error.message.replace(/^error: /, ""), exitCode: EXIT.usage } });
      return;
    }
    const explained = explainError(error);
    const { code, known } = classify(explained);
    process.stderr.write(known ? `tokensmith: ${(explained as Error).message}\n` : `tokensmith: unexpected error (please report it): ${(error as Error)?.stack ?? String(error)}\n`);
    // A script that asked for --json gets the failure as JSON on stdout too.
    if (argv.includes("--json")) printJson({ error: { message: known ? (explained as Error).message : "unexpected error (see stderr)", exitCode: code } });
    process.exitCode = code;
  }
}
