/** `tokensmith batch`: N tokens in a row, with progress, resumable. */
import { insecureNetworkAllowed } from "../session.js";
import type { Command } from "commander";
import { checkSerialPrefix, DEFAULT_ISSUER, InputError, newPorts, requireSeedDestination, runBatch, samePort, simulatedTokens, type BatchEvent, type BatchOptions } from "../../index.js";
import { openLedgerFor, withLedger, READ_ONLY } from "../ledger-access.js";
import { addProfileOptions, importFileWarnings, readImportFile, readProfile, type ProfileFlags } from "../profile-options.js";
import { parseWhole } from "../options.js";
import { EXIT, printJson, printLine, printWarnings, style } from "../output.js";
import { simulator } from "../simulator.js";

interface BatchFlags extends ProfileFlags {
  count?: string;
  prefix?: string;
  resume?: string;
  abandon?: string;
  port?: string;
  wait: string;
}

function bar(done: number, planned: number): string {
  const width = 20;
  const filled = Math.round((done / Math.max(planned, 1)) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${planned}`;
}

export function registerBatch(program: Command): void {
  addProfileOptions(
    program
      .command("batch")
      .description(
        "Provision many tokens in a row: serials from --prefix and a counter (never reusing one in the ledger), one import-file line appended and fsynced per verified token. " +
          "Interrupt it any time (Ctrl-C, a pulled cable, a killed process): nothing is lost or duplicated, and --resume ID finishes the batch.",
      )
      .option("--count <n>", "how many tokens")
      .option("--prefix <prefix>", "serial prefix, e.g. TS- (serials TS-000001, TS-000002, ...)")
      .option("--resume <batch>", "finish an unfinished batch (tokensmith ledger list shows them) with the options it was begun with (--out, --format, --escrow, --port, --issuer; any given again replace them)")
      .option("--abandon <batch>", "give up an unfinished batch: no new token is started in it (its pending tokens keep their rows: finish one with provision, or release it with ledger forget)")
      .option("-p, --port <port>", "one port the tokens are swapped on (a device, tcp://HOST:PORT, or sim for a fresh simulated token each time); default: each new ESP32 port that appears")
      .option("--wait <seconds>", "how long to wait for the next token before stopping", "600"),
  ).action(async (given: BatchFlags, command: Command) => {
    if (given.abandon !== undefined) return abandon(given, command);
    const resumeId = given.resume === undefined ? undefined : parseWhole(given.resume, 1, 2 ** 31, "--resume");
    const o = resumeId === undefined ? given : await withRecordedOptions(given, command, resumeId);
    if (o.resume === undefined && (o.count === undefined || o.prefix === undefined)) throw new InputError("give --count N and --prefix PREFIX, or --resume BATCH");
    if (o.resume === undefined) checkSerialPrefix(o.prefix!);
    const importFile = readImportFile(o);
    requireSeedDestination({ importFile, escrow: o.escrow === true });
    const profile = readProfile(o);
    if (o.resume === undefined) printWarnings(importFileWarnings(importFile, profile));
    const waitSeconds = parseWhole(o.wait, 1, 86400, "--wait");
    const ledger = await openLedgerFor(o.ledger, { create: true, escrow: o.escrow === true ? "always" : "when-sealed" });
    let stop = false;
    const onSignal = () => {
      if (stop) process.exit(EXIT.interrupted); // a second Ctrl-C: stop at once (the ledger is consistent)
      stop = true;
      process.stderr.write("\nstopping after the current token (Ctrl-C again to stop now)\n");
    };
    process.on("SIGINT", onSignal);
    const events: BatchEvent[] = [];
    const say = (text: string) => {
      if (!o.json) printLine(text);
    };
    try {
      const waiting = (message: string) => say(style.dim(message));
      const source =
        o.port === "sim"
          ? simulatedTokens(simulator)
          : o.port !== undefined
            ? samePort(o.port, { ledger, insecureNetwork: insecureNetworkAllowed(), prompt: process.stdin.isTTY === true, waitSeconds, onWaiting: waiting, stopRequested: () => stop })
            : newPorts({ waitSeconds, onWaiting: waiting, stopRequested: () => stop });
      const outcome = await runBatch(
        { ledger, profile, importFile, escrow: o.escrow === true, issuer: o.issuer ?? DEFAULT_ISSUER, now: () => Math.floor(Date.now() / 1000) },
        {
          prefix: o.prefix ?? "",
          count: o.count === undefined ? 0 : parseWhole(o.count, 1, 100000, "--count"),
          resume: resumeId,
          options: { out: importFile?.path, format: importFile?.format, escrow: o.escrow === true, port: o.port, issuer: o.issuer },
        },
        source,
        (event) => {
          events.push(event);
          if (event.type === "provisioned") say(`${bar(event.done, event.planned)}  ${style.good(event.serial)}${event.resumed ? " (resumed)" : ""}  ${event.seconds.toFixed(1)} s`);
          if (event.type === "failed") say(`${bar(event.done, event.planned)}  ${style.bad("failed")} ${event.serial ?? ""} ${event.message}`);
          if (event.type === "waiting") say(style.dim(event.message));
        },
        () => stop,
      );
      if (o.json) printJson({ ...outcome, importFile: importFile?.path ?? null, ledger: ledger.path, events });
      else {
        printLine("");
        printLine(`batch ${outcome.batchId}: ${outcome.provisioned} of ${outcome.planned} provisioned${outcome.failures ? `, ${outcome.failures} failed attempts` : ""}`);
        if (importFile) printLine(`import file: ${importFile.path}`);
        printLine(`ledger: ${ledger.path}`);
        if (outcome.stoppedBecause) printLine(`stopped: ${outcome.stoppedBecause}`);
        if (outcome.pending.length) printLine(`pending (reconnect these tokens and run with --resume ${outcome.batchId}): ${outcome.pending.join(", ")}`);
        else if (outcome.provisioned < outcome.planned) printLine(`to finish: tokensmith batch --resume ${outcome.batchId}${o.ledger !== undefined ? ` --ledger ${o.ledger}` : ""}`);
      }
      if (outcome.interrupted || outcome.provisioned < outcome.planned) process.exitCode = stop ? EXIT.interrupted : EXIT.failed;
    } finally {
      process.off("SIGINT", onSignal);
      ledger.close();
    }
  });
}

/** The options a batch was begun with, under those given again on the command line. */
async function withRecordedOptions(given: BatchFlags, command: Command, batchId: number): Promise<BatchFlags> {
  const recorded: BatchOptions | null = await withLedger(given.ledger, READ_ONLY, (ledger) => {
    try {
      return ledger.batchSummary(batchId).options;
    } catch {
      return null; // not in this ledger: runBatch says so
    }
  });
  if (recorded === null) return given;
  const merged: BatchFlags = { ...given };
  for (const name of ["out", "format", "port", "issuer"] as const) {
    if (command.getOptionValueSource(name) !== "cli" && recorded[name] !== undefined) merged[name] = recorded[name];
  }
  if (command.getOptionValueSource("escrow") !== "cli" && recorded.escrow === true) merged.escrow = true;
  return merged;
}

/** `batch --abandon ID`. */
async function abandon(o: BatchFlags, command: Command): Promise<void> {
  const clash = ["resume", "count", "prefix"].filter((name) => command.getOptionValueSource(name) === "cli");
  if (clash.length > 0) throw new InputError(`--abandon stands alone: leave out ${clash.map((name) => "--" + name).join(", ")}`);
  const batchId = parseWhole(o.abandon!, 1, 2 ** 31, "--abandon");
  // Writes the ledger, but needs no escrow: no passphrase is asked.
  await withLedger(o.ledger, { create: false, escrow: "never" }, (ledger) => {
    const batch = ledger.abandonBatch(batchId);
    const pending = ledger.listTokens({ batchId, state: "pending" }).map((t) => t.serial);
    if (o.json) {
      printJson({ ...batch, pendingTokens: pending, ledger: ledger.path });
      return;
    }
    printLine(`batch ${batchId} (${batch.prefix}) abandoned: ${batch.provisioned} of ${batch.planned} provisioned; no new token will be started in it`);
    if (pending.length > 0) {
      printLine(`still pending: ${pending.join(", ")}. Plug each in and run tokensmith provision --port PORT to finish it, or release it with tokensmith ledger forget SERIAL`);
    }
  });
}
