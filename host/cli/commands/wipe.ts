/** `tokensmith wipe`: erase a token's profiles and keys. */
import type { Command } from "commander";
import readline from "node:readline/promises";
import { factoryResetToken, InputError, wipeToken, type Hello } from "../../index.js";
import { withClient } from "../session.js";
import { MAINTAIN, withLedger, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { printJson, printLine } from "../output.js";

/** Asks on the terminal, naming the token; refuses to guess without one. */
async function confirmOnTerminal(hello: Hello): Promise<boolean> {
  const who = hello.serial ? `${hello.serial} (chip ${hello.id})` : `chip ${hello.id}`;
  if (!process.stdin.isTTY) throw new InputError(`wipe erases ${who}'s seeds for good: add --yes to confirm (there is no terminal to ask on)`);
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`Erase every seed and key on ${who}? This cannot be undone. Type yes to erase: `);
    return answer.trim().toLowerCase() === "yes";
  } finally {
    prompt.close();
  }
}

export function registerWipe(program: Command): void {
  program
    .command("wipe")
    .description("Erase the connected token's profiles, seeds and management key (authorised with its key from the ledger), and mark it wiped in the ledger. Its serial is never reused.")
    .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option(
      "--factory",
      "no management key (the ledger is lost): hold the token's button down while this runs; it erases every seed and key. The ledger is not changed (retire the serial with tokensmith ledger forget)",
    )
    .option("-y, --yes", "do not ask: erase without confirming (needed when there is no terminal to ask on)")
    .option("--json", "machine-readable output")
    .action((o: { port?: string; ledger?: string; json?: boolean; factory?: boolean; yes?: boolean }) => {
      const confirm = o.yes ? undefined : confirmOnTerminal;
      if (o.factory) {
        return withClient(o.port, async (client) => {
          const hello = await factoryResetToken(client, confirm);
          const who = hello.serial ? `${hello.serial} (chip ${hello.id})` : `chip ${hello.id}`;
          if (o.json) printJson({ factoryReset: hello.id, serialWas: hello.serial || null });
          else printLine(`factory reset ${who}: every seed and key erased; it is unprovisioned`);
        });
      }
      return withLedger(o.ledger, MAINTAIN, async (ledger) => {
        const serial = await withClient(o.port, (client) => wipeToken(client, ledger, confirm));
        if (o.json) printJson({ wiped: serial });
        else printLine(`wiped ${serial}`);
      });
    });
}
