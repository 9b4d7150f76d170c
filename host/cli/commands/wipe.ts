/** `tokensmith wipe`: erase a token's profiles and keys. */
import type { Command } from "commander";
import { wipeToken } from "../../device/maintenance.js";
import { withClient } from "../session.js";
import { withLedger, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { printJson, printLine } from "../output.js";

export function registerWipe(program: Command): void {
  program
    .command("wipe")
    .description("Erase the connected token's profiles, seeds and management key (authorised with its key from the ledger), and mark it wiped in the ledger. Its serial is never reused.")
    .option("--port <port>", "serial device, tcp://HOST:PORT or sim")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action((o: { port?: string; ledger?: string; json?: boolean }) =>
      withLedger(o.ledger, false, async (ledger) => {
        const serial = await withClient(o.port, (client) => wipeToken(client, ledger));
        if (o.json) printJson({ wiped: serial });
        else printLine(`wiped ${serial}`);
      }),
    );
}
