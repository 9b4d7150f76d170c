/**
 * `duo push` and `entra push` throughput against the local fakes of Duo's Admin API and of
 * Microsoft's sign-in service and Graph (test/services), over real HTTPS on this machine, with
 * and without the fakes' rate limits. Each run is a child process (the Entra client trusts the
 * fakes' CA only through NODE_EXTRA_CA_CERTS, read at start). Figures only: the real services'
 * latency and limits are not these.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openLedger } from "../host/ledger/ledger.js";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { fmt, row } from "./measure.js";

const PASSPHRASE = "push benchmark passphrase";
const here = fileURLToPath(import.meta.url);

interface ChildResult {
  seconds: number;
  tokens: number;
  requests: number;
  limited: number;
}

/** The child's side: a fake, a ledger of `count` escrowed tokens, one push, figures as JSON. */
async function child(service: "duo" | "entra", count: number, limitPerSecond: number, pkiDir: string, folder: string): Promise<void> {
  const { readFileSync } = await import("node:fs");
  const pki = { dir: pkiDir, caFile: path.join(pkiDir, "ca.crt"), key: readFileSync(path.join(pkiDir, "server.key")), cert: readFileSync(path.join(pkiDir, "server.crt")), ca: readFileSync(path.join(pkiDir, "ca.crt")) };
  const ledger = openLedger(path.join(folder, `${service}-${limitPerSecond}.sqlite`));
  ledger.unlockEscrow(PASSPHRASE);
  const key = new Uint8Array(16);
  for (let i = 0; i < count; i++) {
    const serial = `P-${String(i).padStart(6, "0")}`;
    ledger.recordPending(serial, null, { label: "bench", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 }, { managementKey: key });
    ledger.recordProvisioned(serial, { tokenId: serial, firmware: "0.1.0", managementKey: key, escrowedSeed: new Uint8Array(randomBytes(20)) });
  }
  const records = ledger.listTokens({ state: "provisioned" });
  let result: ChildResult;
  if (service === "duo") {
    const { FakeDuo } = await import("../test/services/fake-duo.js");
    const { redirectHttps } = await import("../test/services/https-redirect.mjs");
    const { DuoAdminApi } = await import("../host/duo/admin-api.js");
    const { pushTokensToDuo } = await import("../host/duo/push.js");
    const duo = new FakeDuo(pki);
    duo.requestsPerSecond = limitPerSecond;
    redirectHttps(`127.0.0.1:${await duo.start()}`, pki.caFile);
    const api = new DuoAdminApi({ apiHost: duo.host, integrationKey: duo.integrationKey, secretKey: duo.secretKey });
    const start = performance.now();
    const report = await pushTokensToDuo(ledger, api, records);
    result = { seconds: (performance.now() - start) / 1000, tokens: report.items.filter((i) => i.outcome === "created").length, requests: api.requests, limited: duo.log.filter((r) => r.status === 429).length };
    await duo.stop();
  } else {
    const { FakeEntra } = await import("../test/services/fake-entra.js");
    const { GraphApi } = await import("../host/entra/graph-api.js");
    const { pushTokensToEntra } = await import("../host/entra/push.js");
    const entra = new FakeEntra(pki);
    await entra.start();
    const user = entra.addUser("bench@example.com");
    entra.requestsPerSecond = limitPerSecond;
    const api = new GraphApi({ tenantId: entra.tenantId, clientId: entra.clientId, clientSecret: entra.clientSecret, authorityHost: entra.authorityHost, graphUrl: entra.graphUrl });
    const start = performance.now();
    const report = await pushTokensToEntra(ledger, api, records, { upnFor: () => user.userPrincipalName });
    result = { seconds: (performance.now() - start) / 1000, tokens: report.items.filter((i) => i.activation === "activated").length, requests: api.requests, limited: api.throttled };
    await entra.stop();
  }
  ledger.close();
  process.stdout.write(JSON.stringify(result));
}

export async function runPushBenchmarks(count = 200): Promise<void> {
  console.log(`\nduo push / entra push of ${count} tokens against the local fakes (HTTPS on this machine)`);
  const { makeTestPki, removePki } = await import("../test/services/pki.js");
  const pki = makeTestPki("api-fake.duo.test", "localhost");
  const folder = mkdtempSync(path.join(os.tmpdir(), "tokensmith-push-bench-"));
  try {
    const run = (service: string, limit: number) =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", here, "--child", service, String(count), String(limit), pki.dir, folder], {
          encoding: "utf8",
          env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile },
        }),
      ) as ChildResult;
    for (const [service, limit, label] of [
      ["duo", 0, "duo push, no rate limit (a look-up and a create a token)"],
      ["duo", 20, "duo push, fake limit 20 requests/s (429, the client backs off 1-2 s)"],
      ["entra", 0, "entra push with activation, no throttling"],
      ["entra", 20, "entra push, fake throttling at 20 requests/s (Retry-After 1)"],
    ] as const) {
      const r = run(service, limit);
      row(label, `${fmt(r.tokens / r.seconds, 1)} tokens/s (${r.tokens} in ${r.seconds.toFixed(1)} s, ${r.requests} requests, ${r.limited} limited)`);
    }
  } finally {
    removePki(pki);
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3] as "duo" | "entra", Number(process.argv[4]), Number(process.argv[5]), process.argv[6], process.argv[7]);
