/** `tokensmith ledger list|show|passphrase|forget`: what the ledger knows. Never shows a seed. */
import type { Command } from "commander";
import { ESCROW_PASSPHRASE_ENV, InputError } from "../../index.js";
import { MAINTAIN, MIN_PASSPHRASE_LENGTH, NEW_PASSPHRASE_ENV, newPassphrase, openLedgerFor, READ_ONLY, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { parseChoice, parseWhole } from "../options.js";
import { printJson, printLine } from "../output.js";

const when = (seconds: number | null) => (seconds === null ? "-" : new Date(Math.floor(seconds) * 1000).toISOString().replace(".000", ""));

export function registerLedger(program: Command): void {
  const ledger = program.command("ledger").description("The record of every token provisioned (no seeds are shown)");
  ledger
    .command("list")
    .description("Tokens (optionally of one batch or state) and unfinished batches")
    .option("--batch <id>", "only this batch")
    .option("--state <state>", "pending, provisioned or wiped")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (o: { batch?: string; state?: string; ledger?: string; json?: boolean }) => {
      const book = await openLedgerFor(o.ledger, READ_ONLY);
      try {
        const tokens = book.listTokens({
          batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch"),
          state: o.state === undefined ? undefined : parseChoice(o.state, ["pending", "provisioned", "wiped"] as const, "--state"),
        });
        const batches = book.unfinishedBatches();
        if (o.json) {
          printJson({ tokens, unfinishedBatches: batches });
          return;
        }
        printLine(`${"serial".padEnd(14)} ${"state".padEnd(12)} ${"type".padEnd(16)} ${"batch".padEnd(6)} ${"chip".padEnd(14)} provisioned`);
        for (const t of tokens) {
          const type = `${t.kind} ${t.digits}d ${t.kind === "totp" ? t.period + "s" : "c" + t.counter} ${t.algorithm}`;
          printLine(`${t.serial.padEnd(14)} ${t.state.padEnd(12)} ${type.padEnd(16)} ${String(t.batchId ?? "-").padEnd(6)} ${(t.tokenId ?? "-").padEnd(14)} ${when(t.provisionedAt)}`);
        }
        printLine(`${tokens.length} token${tokens.length === 1 ? "" : "s"} in ${book.path}`);
        for (const b of batches) printLine(`unfinished batch ${b.id} (${b.prefix}): ${b.provisioned} of ${b.planned} provisioned, ${b.pending} pending: tokensmith batch --resume ${b.id}`);
      } finally {
        book.close();
      }
    });
  ledger
    .command("show")
    .description("One token: its profile, chip, clock syncs and drift")
    .argument("<serial>")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (serial: string, o: { ledger?: string; json?: boolean }) => {
      const book = await openLedgerFor(o.ledger, READ_ONLY);
      try {
        const token = book.getToken(serial);
        if (!token) throw new InputError(`${serial} is not in ${book.path}`);
        const syncs = book.clockSyncs(serial);
        const drift = book.driftPpm(serial);
        const more = book.extraProfiles(serial);
        if (o.json) {
          printJson({ token, extraProfiles: more, syncs, driftPpm: drift });
          return;
        }
        printLine(`serial        ${token.serial} (${token.state}${token.batchId ? `, batch ${token.batchId}` : ""})`);
        printLine(`profile       ${token.label}: ${token.kind} ${token.digits} digits ${token.kind === "totp" ? `${token.period} s` : `counter ${token.counter}`} ${token.algorithm}`);
        for (const p of more) printLine(`profile ${p.slot}     ${p.label}: ${p.kind} ${p.digits} digits ${p.kind === "totp" ? `${p.period} s` : `counter ${p.counter}`} ${p.algorithm}${p.hasEscrowedSeed ? " (seed escrowed)" : ""}`);
        printLine(`chip          ${token.tokenId ?? "-"}  firmware ${token.firmware ?? "-"}`);
        printLine(`provisioned   ${when(token.provisionedAt)}${token.wipedAt ? `  wiped ${when(token.wipedAt)}` : ""}`);
        printLine(`seed          ${token.state === "wiped" ? "erased with the token" : token.hasEscrowedSeed ? "escrowed (encrypted)" : "not in the ledger (its import file is the only copy)"}`);
        printLine(`clock drift   ${drift === null ? "unknown (needs two syncs)" : `${drift.toFixed(1)} ppm`}`);
        for (const s of syncs) printLine(`  sync ${when(s.at)}  offset ${s.offsetSeconds === null ? "clock lost" : s.offsetSeconds + " s"}${s.secondsSinceLastSync === null ? "" : `  after ${(s.secondsSinceLastSync / 86400).toFixed(1)} days`}${s.authorised ? "" : " (at provisioning)"}`);
      } finally {
        book.close();
      }
    });
  ledger
    .command("passphrase")
    .description(
      `Change the escrow passphrase: every sealed seed and management key is re-sealed under the new one, in one step. The current one from ${ESCROW_PASSPHRASE_ENV} or a prompt, the new one from ${NEW_PASSPHRASE_ENV} or a prompt (asked twice)`,
    )
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (o: { ledger?: string; json?: boolean }) => {
      const book = await openLedgerFor(o.ledger, { create: false, escrow: "when-sealed" });
      try {
        if (!book.escrowConfigured()) throw new InputError(`${book.path} has no escrow yet: provision with --escrow to create one`);
        const fromEnv = process.env[NEW_PASSPHRASE_ENV];
        const next = fromEnv !== undefined && fromEnv !== "" ? fromEnv : await newPassphrase("New escrow passphrase: ", `no terminal to ask for the new escrow passphrase: set ${NEW_PASSPHRASE_ENV}`);
        if (next.length < MIN_PASSPHRASE_LENGTH) throw new InputError(`the new escrow passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
        const resealed = book.changeEscrowPassphrase(next);
        if (o.json) printJson({ ledger: book.path, resealed });
        else printLine(`escrow passphrase changed: ${resealed} sealed items re-sealed in ${book.path}`);
      } finally {
        book.close();
      }
    });
  ledger
    .command("forget")
    .description("Give up on a pending token (broken, lost mid-batch): marks it wiped so its batch can finish with another token. The serial is never reused.")
    .argument("<serial>")
    .option("--force", "also retire a provisioned record (a token erased outside tokensmith, or lost)")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action(async (serial: string, o: { ledger?: string; force?: boolean; json?: boolean }) => {
      const book = await openLedgerFor(o.ledger, MAINTAIN);
      try {
        book.forget(serial, { force: o.force === true });
        if (o.json) printJson({ serial, state: book.getToken(serial)?.state ?? null, ledger: book.path });
        else printLine(`${serial} forgotten (marked wiped)`);
      } finally {
        book.close();
      }
    });
}
