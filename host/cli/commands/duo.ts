/** `tokensmith duo push|status`: tokens from the ledger into Duo through the Admin API. */
import type { Command } from "commander";
import { checkApiHost, checkIntegrationKey, DuoAdminApi, InputError, pushTokensToDuo, duoStatus, readAssignments, selectTokens, type Assignee, type DuoPushItem, type Ledger } from "../../index.js";
import { openLedgerFor, LEDGER_OPTION_HELP, READ_ONLY } from "../ledger-access.js";
import { needsEscrowForSecret, serviceSecret, type ServiceSecretSource } from "../service-secret.js";
import { parseWhole } from "../options.js";
import { EXIT, printJson, printLine, printWarnings } from "../output.js";

export const DUO_ENV = {
  apiHost: "TOKENSMITH_DUO_API_HOST",
  integrationKey: "TOKENSMITH_DUO_INTEGRATION_KEY",
  secretKey: "TOKENSMITH_DUO_SECRET_KEY",
} as const;

interface DuoFlags {
  apiHost?: string;
  integrationKey?: string;
  batch?: string;
  serial?: string[];
  ledger?: string;
  json?: boolean;
}

interface PushFlags extends DuoFlags {
  assign?: string;
  keepSecretKey?: boolean;
}

const CREDENTIALS_HELP = `
Credentials: an Admin API application (Duo Admin Panel > Applications > Protect an Application >
Admin API) with "Grant read resource" and "Grant write resource". Its API hostname and
integration key come from --api-host/--integration-key or ${DUO_ENV.apiHost}/${DUO_ENV.integrationKey};
its secret key from ${DUO_ENV.secretKey}, else the ledger's escrow (kept there by an earlier
--keep-secret-key), else a hidden prompt. Never give the secret key as an argument.`;

function addConnectionOptions(command: Command): Command {
  return command
    .option("--api-host <host>", `the Admin API hostname, api-XXXXXXXX.duosecurity.com (default: $${DUO_ENV.apiHost})`)
    .option("--integration-key <ikey>", `the Admin API integration key (default: $${DUO_ENV.integrationKey})`)
    .option("--batch <id>", "only this batch")
    .option("--serial <serial...>", "only these tokens")
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .addHelpText("after", CREDENTIALS_HELP);
}

function connection(o: DuoFlags): { apiHost: string; integrationKey: string; credentialName: string } {
  const host = o.apiHost ?? process.env[DUO_ENV.apiHost];
  const ikey = o.integrationKey ?? process.env[DUO_ENV.integrationKey];
  if (!host) throw new InputError(`give the Admin API hostname: --api-host api-XXXXXXXX.duosecurity.com or ${DUO_ENV.apiHost}`);
  if (!ikey) throw new InputError(`give the Admin API integration key: --integration-key DI... or ${DUO_ENV.integrationKey}`);
  const apiHost = checkApiHost(host);
  const integrationKey = checkIntegrationKey(ikey);
  return { apiHost, integrationKey, credentialName: `duo:${apiHost}:${integrationKey}` };
}

function secretSource(credentialName: string): ServiceSecretSource {
  return { env: DUO_ENV.secretKey, credentialName, title: "Duo Admin API secret key", keepOption: "--keep-secret-key" };
}

function selection(ledger: Ledger, o: DuoFlags) {
  return selectTokens(ledger, { batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch"), serials: o.serial });
}

const OUTCOME_TEXT: Record<DuoPushItem["outcome"], string> = {
  created: "created",
  "already-pushed": "already in Duo (nothing to do)",
  "found-in-duo": "already in Duo, token_id recorded",
  failed: "failed",
};

function describe(item: DuoPushItem): string {
  let text = `${item.serial} (${item.type}): ${OUTCOME_TEXT[item.outcome]}`;
  if (item.assignment === "attached") text += `, attached to ${item.assignee}`;
  else if (item.assignment === "already-attached") text += `, already attached to ${item.assignee}`;
  else if (item.assignment === "admin-panel") text += `, for ${item.assignee}: see the Admin Panel steps below`;
  else if (item.assignment === "failed") text += `, not attached to ${item.assignee}`;
  return text;
}

export function registerDuo(program: Command): void {
  const duo = program.command("duo").description("Put tokens into Duo through its Admin API (instead of pasting import files) and check what Duo has");

  addConnectionOptions(
    duo
      .command("push")
      .description(
        "Create the ledger's provisioned tokens in Duo (seeds from the escrow), look each up first so a re-run changes nothing, record Duo's token_id in the ledger, and attach each to the user --assign names. Resumable: run it again after a stop.",
      )
      .option("--assign <file>", 'a CSV of "serial,username" lines (header allowed); "serial,admin:EMAIL" for an administrator (printed as Admin Panel steps: the Admin API cannot do it)')
      .option("--keep-secret-key", "keep the secret key sealed in the ledger's escrow for later runs"),
  ).action(async (o: PushFlags) => {
    const { apiHost, integrationKey, credentialName } = connection(o);
    const assignments: Map<string, Assignee> | undefined = o.assign ? readAssignments(o.assign) : undefined;
    const ledger = await openLedgerFor(o.ledger, { create: false, escrow: "always" });
    try {
      const records = selection(ledger, o);
      if (assignments) {
        const selected = new Set(records.map((r) => r.serial));
        const unselected = [...assignments.keys()].filter((s) => !selected.has(s));
        if (unselected.length) printWarnings([`the assignment file names ${unselected.length} token${unselected.length === 1 ? "" : "s"} not selected (not provisioned here, or outside --batch/--serial), left alone: ${unselected.slice(0, 5).join(", ")}${unselected.length > 5 ? " ..." : ""}`]);
      }
      const key = await serviceSecret(ledger, secretSource(credentialName));
      const api = new DuoAdminApi({ apiHost, integrationKey, secretKey: key.secret });
      const report = await pushTokensToDuo(ledger, api, records, {
        assignments,
        onToken: (item, done, total) => {
          if (!o.json) process.stderr.write(`[${done}/${total}] ${describe(item)}\n`);
        },
      });
      const authRefused = report.stoppedBy !== undefined && Math.floor(report.stoppedBy.code / 100) === 401;
      if (o.keepSecretKey && key.from !== "escrow" && !authRefused && report.items.length > 0) ledger.storeCredential(credentialName, key.secret);
      const count = (outcome: DuoPushItem["outcome"]) => report.items.filter((i) => i.outcome === outcome).length;
      const failed = report.items.filter((i) => i.outcome === "failed" || i.assignment === "failed");
      const summary = {
        apiHost,
        created: count("created"),
        alreadyInDuo: count("already-pushed") + count("found-in-duo"),
        attached: report.items.filter((i) => i.assignment === "attached").length,
        failed: failed.length,
        notReached: report.notReached,
        requests: api.requests,
      };
      if (o.json) {
        printJson({ ...summary, tokens: report.items, stoppedBy: report.stoppedBy?.message ?? null, adminPanelSteps: report.adminPanelSteps });
      } else {
        for (const item of report.items) if (item.note) process.stderr.write(`${item.serial}: ${item.note}\n`);
        for (const line of report.adminPanelSteps) printLine(line);
        printLine(
          `Duo ${apiHost}: ${summary.created} created, ${summary.alreadyInDuo} already there, ${summary.attached} attached, ${summary.failed} failed` +
            (report.notReached.length ? `, ${report.notReached.length} not reached` : "") +
            ` (${summary.requests} requests)`,
        );
        if (report.stoppedBy) process.stderr.write(`tokensmith: stopped: ${report.stoppedBy.message}\n`);
      }
      if (report.stoppedBy || failed.length > 0) process.exitCode = EXIT.failed;
    } finally {
      ledger.close();
    }
  });

  addConnectionOptions(
    duo.command("status").description("For each provisioned ledger token: is it in Duo, attached to whom, and does the ledger's record agree (reads only; no seed needed)"),
  ).action(async (o: DuoFlags) => {
    const { apiHost, integrationKey, credentialName } = connection(o);
    let ledger = await openLedgerFor(o.ledger, READ_ONLY);
    try {
      if (needsEscrowForSecret(ledger, secretSource(credentialName))) {
        ledger.close();
        ledger = await openLedgerFor(o.ledger, { create: false, escrow: "always" });
      }
      const records = selection(ledger, o);
      const key = await serviceSecret(ledger, secretSource(credentialName));
      const api = new DuoAdminApi({ apiHost, integrationKey, secretKey: key.secret });
      const items = await duoStatus(ledger, api, records, (done, total) => {
        if (!o.json && process.stderr.isTTY) process.stderr.write(`\rchecking ${done}/${total}`);
      });
      if (!o.json && process.stderr.isTTY) process.stderr.write("\n");
      const missing = items.filter((i) => i.state === "missing" || i.state === "deleted-in-duo").map((i) => i.serial);
      if (o.json) {
        printJson({ apiHost, tokens: items, missing });
        return;
      }
      printLine(`${"serial".padEnd(14)} ${"type".padEnd(5)} ${"in Duo".padEnd(20)} attached to`);
      const STATE_TEXT = { "in-duo": "yes", "in-duo-unrecorded": "yes (not recorded)", missing: "no", "deleted-in-duo": "no (deleted there)", "not-for-duo": "cannot be" } as const;
      for (const i of items) {
        const who = [...i.users, ...i.admins.map((a) => "admin:" + a)].join(", ") || "-";
        printLine(`${i.serial.padEnd(14)} ${(i.type ?? "-").padEnd(5)} ${STATE_TEXT[i.state].padEnd(20)} ${who}`);
      }
      const inDuo = items.filter((i) => i.state === "in-duo" || i.state === "in-duo-unrecorded").length;
      printLine(`${inDuo} of ${items.length} in Duo ${apiHost}` + (missing.length ? `; missing: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? " ..." : ""} (tokensmith duo push adds them)` : ""));
    } finally {
      ledger.close();
    }
  });
}
