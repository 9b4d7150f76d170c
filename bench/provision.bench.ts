/**
 * Provisioning figures (issue: the CLI): the median time to provision one simulated token over
 * TCP (listenUart + TcpTransport: the protocol, the firmware's work and the ledger's fsyncs),
 * and the Duo export of 100,000 ledger entries (bench/export.bench.ts).
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SimulatedToken } from "../hardware/sim/token.js";
import { listenUart } from "../hardware/sim/uart-server.js";
import { TcpTransport } from "../host/transport/tcp-transport.js";
import { TokenClient } from "../host/device/client.js";
import { openLedger } from "../host/ledger/ledger.js";
import { ImportFile } from "../host/provision/import-file.js";
import { provisionWithLedger } from "../host/provision/job.js";
import { row } from "./measure.js";

export async function runProvisionBenchmarks(runs = 25): Promise<void> {
  console.log("\nProvisioning one simulated token over TCP");
  const folder = mkdtempSync(path.join(os.tmpdir(), "tokensmith-bench-"));
  const ledger = openLedger(path.join(folder, "ledger.sqlite"));
  const importFile = new ImportFile(path.join(folder, "duo.txt"), "duo");
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const token = new SimulatedToken({ deviceId: `bench${String(i).padStart(7, "0")}` });
    token.powerOn();
    const server = await listenUart(token, "127.0.0.1", 0);
    const transport = await TcpTransport.connect(`tcp://127.0.0.1:${server.port}`);
    const client = new TokenClient(transport);
    const start = performance.now();
    await provisionWithLedger(
      client,
      { ledger, importFile, escrow: false, profile: { label: "Bench", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 }, now: () => Math.floor(Date.now() / 1000) },
      null,
      () => ledger.reserveSerials("BENCH-", 1)[0],
    );
    times.push(performance.now() - start);
    client.close();
    await transport.close();
    await server.close();
  }
  ledger.close();
  times.sort((a, b) => a - b);
  row(`median of ${runs} (HELLO, TIME_SET, PROVISION, VERIFY, ledger, import line)`, `${times[runs >> 1].toFixed(1)} ms`);
  row("fastest / slowest", `${times[0].toFixed(1)} / ${times[runs - 1].toFixed(1)} ms`);
  row("note", "virtual token: no 115200-baud serial time; a real token adds its UART and flash time");
}
