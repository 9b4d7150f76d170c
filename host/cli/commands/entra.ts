/** `tokensmith entra push`: tokens from the ledger into Entra ID through Microsoft Graph (beta). */
import type { Command } from "commander";
import { checkClientId, checkTenant, GraphApi, InputError, pushTokensToEntra, readUpnMap, selectTokens, type EntraPushItem } from "../../index.js";
import { openLedgerFor, LEDGER_OPTION_HELP } from "../ledger-access.js";
import { parseWhole } from "../options.js";
import { EXIT, printJson, printLine, printWarnings } from "../output.js";
import { serviceSecret, type ServiceSecretSource } from "../service-secret.js";

export const ENTRA_ENV = {
  tenant: "TOKENSMITH_ENTRA_TENANT_ID",
  clientId: "TOKENSMITH_ENTRA_CLIENT_ID",
  clientSecret: "TOKENSMITH_ENTRA_CLIENT_SECRET",
  authorityHost: "TOKENSMITH_ENTRA_AUTHORITY_HOST",
  graphUrl: "TOKENSMITH_GRAPH_URL",
} as const;

interface EntraFlags {
  tenant?: string;
  clientId?: string;
  upn?: string;
  upnMap?: string;
  manufacturer?: string;
  model?: string;
  batch?: string;
  serial?: string[];
  keepClientSecret?: boolean;
  authorityHost?: string;
  graphUrl?: string;
  ledger?: string;
  json?: boolean;
}

const HELP = `
Microsoft Graph's hardware OATH API is in BETA: Microsoft may change it and does not support it in
production. Credentials: an app registration with the application permissions
Policy.ReadWrite.AuthenticationMethod, User.Read.All and UserAuthenticationMethod.ReadWrite.All
(admin consent). Tenant and client id from --tenant/--client-id or ${ENTRA_ENV.tenant}/${ENTRA_ENV.clientId};
the client secret from ${ENTRA_ENV.clientSecret}, else the ledger's escrow (kept by an earlier
--keep-client-secret), else a hidden prompt. Never give the secret as an argument.`;

function describe(item: EntraPushItem): string {
  const outcome = { created: "created", "already-pushed": "already in Entra", "found-in-entra": "already in Entra, id recorded", failed: "failed" }[item.outcome];
  let text = `${item.serial}: ${outcome}`;
  if (item.assignment === "assigned" || item.assignment === "already-assigned") text += `, ${item.assignment === "assigned" ? "assigned to" : "already assigned to"} ${item.upn}`;
  else if (item.assignment === "unassigned") text += ", left unassigned (no UPN)";
  else if (item.assignment === "failed") text += `, not assigned to ${item.upn}`;
  if (item.activation === "activated") text += ", activated";
  else if (item.activation === "already-activated") text += ", already activated";
  else if (item.activation === "failed") text += ", activation failed";
  return text;
}

export function registerEntra(program: Command): void {
  const entra = program.command("entra").description("Put tokens into Microsoft Entra ID through Microsoft Graph (beta) instead of uploading the CSV");
  entra
    .command("push")
    .description(
      "Create the ledger's provisioned TOTP tokens as Entra hardware OATH tokens (seeds from the escrow; SHA-1 and SHA-256), assign each to its user (--upn, --upn-map) and activate it with a code computed from its seed now. Looks each serial up first: a re-run changes nothing. Graph's id is recorded in the ledger.",
    )
    .option("--tenant <tenant>", `the tenant id or domain (default: $${ENTRA_ENV.tenant})`)
    .option("--client-id <id>", `the app registration's Application (client) ID (default: $${ENTRA_ENV.clientId})`)
    .option("--upn <upn>", "the user for a single token")
    .option("--upn-map <file>", "a CSV of serial,upn lines (header allowed); tokens without a UPN are created unassigned")
    .option("--manufacturer <name>", "the manufacturer Entra shows (default tokensmith)")
    .option("--model <name>", "the model Entra shows (default tokensmith-esp32)")
    .option("--batch <id>", "only this batch")
    .option("--serial <serial...>", "only these tokens")
    .option("--keep-client-secret", "keep the client secret sealed in the ledger's escrow for later runs")
    .option("--authority-host <url>", `the sign-in host (default https://login.microsoftonline.com; $${ENTRA_ENV.authorityHost})`)
    .option("--graph-url <url>", `Graph's beta root (default https://graph.microsoft.com/beta; $${ENTRA_ENV.graphUrl})`)
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output")
    .addHelpText("after", HELP)
    .action(async (o: EntraFlags) => {
      const tenantText = o.tenant ?? process.env[ENTRA_ENV.tenant];
      const clientText = o.clientId ?? process.env[ENTRA_ENV.clientId];
      if (!tenantText) throw new InputError(`give the tenant: --tenant TENANT_ID or ${ENTRA_ENV.tenant}`);
      if (!clientText) throw new InputError(`give the app registration's client id: --client-id GUID or ${ENTRA_ENV.clientId}`);
      if (o.upn && o.upnMap) throw new InputError("give --upn or --upn-map, not both");
      const tenantId = checkTenant(tenantText);
      const clientId = checkClientId(clientText);
      const upnFor = o.upnMap ? readUpnMap(o.upnMap) : o.upn ? () => o.upn : undefined;
      const ledger = await openLedgerFor(o.ledger, { create: false, escrow: "always" });
      try {
        const records = selectTokens(ledger, { batchId: o.batch === undefined ? undefined : parseWhole(o.batch, 1, 2 ** 31, "--batch"), serials: o.serial });
        if (o.upn && records.length !== 1) throw new InputError(`--upn names the user of one token; ${records.length} are selected: use --serial, or --upn-map for several`);
        const source: ServiceSecretSource = { env: ENTRA_ENV.clientSecret, credentialName: `entra:${tenantId}:${clientId}`, title: "Entra app client secret", keepOption: "--keep-client-secret" };
        const secret = await serviceSecret(ledger, source);
        const api = new GraphApi({
          tenantId,
          clientId,
          clientSecret: secret.secret,
          authorityHost: o.authorityHost ?? process.env[ENTRA_ENV.authorityHost],
          graphUrl: o.graphUrl ?? process.env[ENTRA_ENV.graphUrl],
        });
        if (!o.json) printWarnings(["Microsoft Graph's hardware OATH API is beta: Microsoft may change it and does not support it in production"]);
        const report = await pushTokensToEntra(ledger, api, records, {
          upnFor,
          manufacturer: o.manufacturer,
          model: o.model,
          onToken: (item, done, total) => {
            if (!o.json) process.stderr.write(`[${done}/${total}] ${describe(item)}\n`);
          },
        });
        const signInRefused = report.stoppedBy?.code === "signInFailed";
        if (o.keepClientSecret && secret.from !== "escrow" && !signInRefused && report.items.length > 0) ledger.storeCredential(source.credentialName, secret.secret);
        const failed = report.items.filter((i) => i.outcome === "failed" || i.assignment === "failed" || i.activation === "failed");
        const summary = {
          tenantId,
          created: report.items.filter((i) => i.outcome === "created").length,
          alreadyInEntra: report.items.filter((i) => i.outcome === "already-pushed" || i.outcome === "found-in-entra").length,
          activated: report.items.filter((i) => i.activation === "activated").length,
          failed: failed.length,
          notReached: report.notReached,
          requests: api.requests,
          throttled: api.throttled,
        };
        if (o.json) printJson({ ...summary, tokens: report.items, stoppedBy: report.stoppedBy?.message ?? null });
        else {
          for (const item of report.items) if (item.note) process.stderr.write(`${item.serial}: ${item.note}\n`);
          printLine(
            `Entra ${tenantId}: ${summary.created} created, ${summary.alreadyInEntra} already there, ${summary.activated} activated, ${summary.failed} failed` +
              (report.notReached.length ? `, ${report.notReached.length} not reached` : "") +
              ` (${summary.requests} requests${summary.throttled ? `, ${summary.throttled} throttled` : ""})`,
          );
          if (report.stoppedBy) process.stderr.write(`tokensmith: stopped: ${report.stoppedBy.message}\n`);
        }
        if (report.stoppedBy || failed.length > 0) process.exitCode = EXIT.failed;
      } finally {
        ledger.close();
      }
    });
}
