/** `tokensmith time check|sync`: the token's clock against this computer's. */
import type { Command } from "commander";
import { checkClock, clockReport, syncClock, type ClockReport } from "../../index.js";
import { withClient } from "../session.js";
import { READ_ONLY, withLedger, LEDGER_OPTION_HELP } from "../ledger-access.js";

interface DeviceFlags {
  port?: string;
  ledger?: string;
  json?: boolean;
}
import { printJson, printLine } from "../output.js";

const now = () => Math.floor(Date.now() / 1000);

function show(report: ClockReport): string {
  const offset = report.offsetSeconds === null ? "clock lost" : `${report.offsetSeconds >= 0 ? "+" : ""}${report.offsetSeconds} s`;
  const drift = report.driftPpm === null ? "drift unknown (needs two syncs)" : `drift ${report.driftPpm >= 0 ? "+" : ""}${report.driftPpm.toFixed(1)} ppm`;
  const last = report.lastSyncAt === null ? "never synced" : `last sync ${new Date(report.lastSyncAt * 1000).toISOString()}`;
  return `${report.serial.padEnd(14)} ${offset.padEnd(12)} ${drift.padEnd(32)} ${last}`;
}

export function registerTime(program: Command): void {
  const time = program.command("time").description("Check and set tokens' clocks (UTC). Duo never corrects drift: keep tokens within a time step.");
  time
    .command("check")
    .description("With --port: the connected token's offset from this computer. Without: every token's drift in ppm from its recorded syncs.")
    .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action((o: DeviceFlags) =>
      withLedger(o.ledger, READ_ONLY, async (ledger) => {
        const reports = o.port
          ? [await withClient(o.port, (client) => checkClock(client, ledger, now))]
          : ledger.listTokens({ state: "provisioned" }).map((t) => clockReport(ledger, t.serial, null));
        if (o.json) printJson(reports);
        else if (reports.length === 0) printLine("no provisioned tokens in the ledger");
        else for (const r of reports) printLine(o.port ? show(r) : show(r).replace("clock lost  ", "            "));
      }),
    );
  time
    .command("sync")
    .description("Set the connected token's clock to this computer's UTC, authorised with its management key from the ledger, and record the offset found")
    .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .action((o: DeviceFlags) =>
      withLedger(o.ledger, { create: true, escrow: "when-sealed" }, async (ledger) => {
        const report = await withClient(o.port, (client) => syncClock(client, ledger, now));
        if (o.json) printJson(report);
        else printLine(`synced ${show(report)}`);
      }),
    );
}
