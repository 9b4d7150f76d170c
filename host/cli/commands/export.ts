/** `tokensmith export duo|entra|pskc|otpauth`: import files from the ledger's escrow. */
import type { Command } from "commander";
import path from "node:path";
import { DEFAULT_ISSUER, exportFilePath, exportWarnings, formatExport, heldUntilCommit, InputError, otpauthQrForTerminal, otpauthUri, readUpnMap, SecretFileDraft, selectTokens, streamDuoExport, tokensWithSeeds, writeSecretFileAtomically, type ExportFormat, type ExportSink, type Ledger } from "../../index.js";
import { openLedgerFor, promptHidden, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { parseChoice, parseWhole } from "../options.js";
import { printJson, printLine, printWarnings } from "../output.js";

interface ExportFlags {
  out?: string;
  batch?: string;
  serial?: string[];
  upn?: string;
  upnMap?: string;
  manufacturer?: string;
  model?: string;
  encrypt?: boolean;
  passwordEnv?: string;
  issuer?: string;
  qr?: boolean;
  overwrite?: boolean;
  ledger?: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description(
      "Write an import file from the ledger's escrowed seeds: duo (Duo Admin Panel > Hardware Tokens > Import, one file per token type), entra (Entra ID hardware OATH CSV), pskc (RFC 6030; --encrypt for a password-protected file), otpauth (key URIs; --qr draws one token's QR code here). Files are created 0600 and never overwritten unless --overwrite.",
    )
    .argument("<format>", "duo, entra, pskc or otpauth")
    .option("--out <file>", "where to write (Duo with several token types: one file per type, named FILE.t6.txt ...); - for standard output")
    .option("--batch <id>", "only this batch")
    .option("--serial <serial...>", "only these tokens")
    .option("--upn <upn>", "entra: the user for a single token")
    .option("--upn-map <file>", "entra: a CSV of serial,upn lines")
    .option("--manufacturer <name>", "entra: the manufacturer column (default tokensmith); pskc: oath.XX or iana.NUMBER as RFC 6030 requires (default: left out)")
    .option("--model <name>", "entra: the model column (default tokensmith-esp32); pskc: the Model element (default: left out)")
    .option("--encrypt", "pskc: encrypt under a password (from --password-env or a prompt)")
    .option("--password-env <variable>", "pskc: the environment variable holding the password")
    .option("--issuer <name>", "otpauth: the issuer authenticator apps list the token under", DEFAULT_ISSUER)
    .option("--qr", "otpauth: draw the QR code of a single token in this terminal (it shows the seed)")
    .option("--overwrite", "replace an existing file")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (formatText: string, o: ExportFlags) => {
      const format = parseChoice(formatText, ["duo", "entra", "pskc", "otpauth"] as const, "format") as ExportFormat;
      if (!o.out && !(format === "otpauth" && o.qr)) throw new InputError("say where to write: --out FILE (or, for one otpauth token, --qr to show it here)");
      if (o.upn && o.upnMap) throw new InputError("give --upn or --upn-map, not both");
      let password: string | undefined;
      if (format === "pskc" && o.encrypt) {
        password = o.passwordEnv ? process.env[o.passwordEnv] : await promptHidden("PSKC password: ", "no terminal to ask for the PSKC password: put it in an environment variable and name it with --password-env VARIABLE");
        if (!password) throw new InputError(o.passwordEnv ? `${o.passwordEnv} is not set or empty` : "no password given");
        if (password.length < 8) throw new InputError("the PSKC password must be at least 8 characters");
      }
      const ledger = await openLedgerFor(o.ledger, { create: false, escrow: "always" });
      try {
        // A whole ledger or batch to Duo: streamed (100,000 tokens in about a second and a few MiB).
        if (format === "duo" && !o.serial?.length) return await exportDuoStreamed(ledger, o);
        const records = selectTokens(ledger, { batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch"), serials: o.serial });
        const tokens = tokensWithSeeds(ledger, records, o.issuer);
        if (o.qr) {
          if (tokens.length !== 1) throw new InputError(`--qr shows one token; ${tokens.length} are selected (use --serial)`);
          printLine(otpauthQrForTerminal(otpauthUri(tokens[0])));
          if (!o.out) return;
        }
        printWarnings(exportWarnings(tokens, format));
        const upnFor = o.upnMap ? readUpnMap(o.upnMap) : o.upn ? () => o.upn : undefined;
        const files = formatExport(format, tokens, { upnFor, manufacturer: o.manufacturer, model: o.model, password });
        if (o.out === "-") {
          // Standard output, asked for by name (to pipe into another tool): one file only.
          if (files.length !== 1) throw new InputError(`--out - takes one file, and these tokens make ${files.length} (${files.map((f) => f.part).join(", ")}): give a file name, or pick one type with --batch/--serial`);
          process.stdout.write(files[0]!.text);
          ledger.recordExport({ format: format + (files[0]!.part ? ":" + files[0]!.part : ""), path: "(standard output)", serials: files[0]!.serials });
          return;
        }
        const written = [];
        for (const file of files) {
          const target = path.resolve(exportFilePath(o.out!, file.part, files.length));
          await writeSecretFileAtomically(target, file.text, { overwrite: o.overwrite === true });
          ledger.recordExport({ format: format + (file.part ? ":" + file.part : ""), path: target, serials: file.serials });
          written.push({ path: target, title: file.title, tokens: file.serials.length });
        }
        if (o.json) printJson(written);
        else for (const w of written) printLine(`${w.title}: ${w.tokens} token${w.tokens === 1 ? "" : "s"} -> ${w.path}`);
      } finally {
        ledger.close();
      }
    });
}

/** `export duo` of a batch or the whole ledger, one token at a time (see streamDuoExport). */
async function exportDuoStreamed(ledger: Ledger, o: ExportFlags): Promise<void> {
  const selection = { batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch") };
  const targets: Array<{ part: string; path: string }> = [];
  const toStdout = o.out === "-";
  const result = await streamDuoExport(ledger, selection, async (part, title, parts): Promise<ExportSink> => {
    if (toStdout) {
      if (parts !== 1) throw new InputError(`--out - takes one file, and these tokens make ${parts} (one per Duo token type): give a file name, or pick one type with --batch/--serial`);
      return heldUntilCommit((bytes) => new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()))));
    }
    const target = path.resolve(exportFilePath(o.out!, part, parts));
    targets.push({ part, path: target });
    return SecretFileDraft.start(target, { overwrite: o.overwrite === true });
  });
  printWarnings(result.warnings);
  const written = [];
  for (const file of result.parts) {
    const where = toStdout ? "(standard output)" : targets.find((t) => t.part === file.part)!.path;
    ledger.recordExport({ format: "duo:" + file.part, path: where, serials: file.serials });
    written.push({ path: where, title: file.title, tokens: file.serials.length });
  }
  if (toStdout) return;
  if (o.json) printJson(written);
  else for (const w of written) printLine(`${w.title}: ${w.tokens} token${w.tokens === 1 ? "" : "s"} -> ${w.path}`);
}
