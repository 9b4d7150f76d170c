/** `tokensmith labels`: a printable PDF sheet of the tokens' serial labels (no seed on it). */
import type { Command } from "commander";
import path from "node:path";
import { labelSheetPdf, selectTokens, writeSecretFileAtomically, type Paper } from "../../index.js";
import { openLedgerFor, LEDGER_OPTION_HELP, READ_ONLY } from "../ledger-access.js";
import { parseChoice, parseWhole } from "../options.js";
import { printJson, printLine } from "../output.js";

interface LabelsFlags {
  out: string;
  paper: string;
  batch?: string;
  serial?: string[];
  overwrite?: boolean;
  ledger?: string;
  json?: boolean;
}

export function registerLabels(program: Command): void {
  program
    .command("labels")
    .description(
      "A PDF sheet of stickers for the provisioned tokens (filters as export): each with the serial, the label and a QR code of the serial only, never a seed. A4 (Avery L7160, 3 x 7) or US Letter (Avery 5160, 3 x 10); print at 100 % (no fit-to-page).",
    )
    .requiredOption("--out <file>", "the PDF to write (never overwritten unless --overwrite)")
    .option("--paper <paper>", "a4 or letter", "a4")
    .option("--batch <id>", "only this batch")
    .option("--serial <serial...>", "only these tokens")
    .option("--overwrite", "replace an existing file")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (o: LabelsFlags) => {
      const paper = parseChoice(o.paper, ["a4", "letter"] as const, "--paper") as Paper;
      const ledger = await openLedgerFor(o.ledger, READ_ONLY);
      let items;
      try {
        items = selectTokens(ledger, { batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch"), serials: o.serial }).map((t) => ({ serial: t.serial, label: t.label }));
      } finally {
        ledger.close();
      }
      const sheet = await labelSheetPdf(items, paper);
      const target = path.resolve(o.out);
      await writeSecretFileAtomically(target, sheet.pdf, { overwrite: o.overwrite === true });
      const summary = { path: target, labels: items.length, pages: sheet.pages, layout: sheet.layout.name };
      if (o.json) printJson(summary);
      else printLine(`${summary.labels} label${summary.labels === 1 ? "" : "s"} on ${summary.pages} page${summary.pages === 1 ? "" : "s"} (${summary.layout}) -> ${target}`);
    });
}
