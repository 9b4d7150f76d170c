/** `tokensmith wipe`: erase a token's profiles and keys. */
import type { Command } from "commander";
import { factoryResetToken, wipeToken } from "../../index.js";
import { withClient } from "../session.js";
import { MAINTAIN, withLedger, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { printJson, printLine } from "../output.js";

export function registerWipe(program: Command): void {
  program
    .command("wipe")
    .description("Erase the connected token's profiles, seeds and management key (authorised with its key from the ledger), and mark it wiped in the ledger. Its serial is never reused.")
    .option("--port <port>", "serial device, tcp://HOST:PORT or sim")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option(
      "--factory",
      "no management key (the ledger is lost): hold the token's button down while this runs; it erases every seed and key. The ledger is not changed (retire the serial with tokensmith ledger forget)",
    )
    .option("--json", "machine-readable output")
    .action((o: { port?: string; ledger?: string; json?: boolean; factory?: boolean }) => {
      if (o.factory) {
        return withClient(o.port, async (client) => {
          const hello = await factoryResetToken(client);
          const who = hello.serial ? `${hello.serial} (chip ${hello.id})` : `chip ${hello.id}`;
          if (o.json) printJson({ factoryReset: hello.id, serialWas: hello.serial || null });
          else printLine(`factory reset ${who}: every seed and key erased; it is unprovisioned`);
        });
      }
      return withLedger(o.ledger, MAINTAIN, async (ledger) => {
        const serial = await withClient(o.port, (client) => wipeToken(client, ledger));
        if (o.json) printJson({ wiped: serial });
        else printLine(`wiped ${serial}`);
      });
    });
}
