/**
 * The demo behind `npm start`: provision a simulated token (the exact firmware bundle on the
 * software twin) exactly as a real one is provisioned, press its button, show its display, and
 * give the Duo import line. Everything goes to a throwaway folder: the user's ledger is not
 * touched, and the demo seed exists only there and on the simulated token.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SimulatorFactory } from "../simulator.js";
import { SimTransport } from "../transport/sim-transport.js";
import { TokenClient } from "../device/client.js";
import { openLedger } from "../ledger/ledger.js";
import { ImportFile } from "../provision/import-file.js";
import { provisionWithLedger } from "../provision/job.js";

export interface TokenDemoResult {
  serial: string;
  display: string;
  duoLine: string;
  hash: string;
}

export async function runTokenDemo(options: { color: boolean; simulator: SimulatorFactory }): Promise<TokenDemoResult> {
  const folder = mkdtempSync(path.join(os.tmpdir(), "tokensmith-demo-"));
  const token = options.simulator.newToken();
  const client = new TokenClient(new SimTransport(token));
  const ledger = openLedger(path.join(folder, "ledger.sqlite"));
  try {
    const importFile = new ImportFile(path.join(folder, "duo-import.txt"), "duo");
    const done = await provisionWithLedger(
      client,
      {
        ledger,
        importFile,
        escrow: false,
        profile: { label: "Demo", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 },
        now: () => Math.floor(Date.now() / 1000),
      },
      null,
      () => "DEMO-000001",
    );
    token.press();
    token.advanceMs(400);
    const hello = await client.hello();
    return {
      serial: done.serial,
      display: token.renderDisplay({ color: options.color }),
      duoLine: readFileSync(importFile.path, "latin1").trim(),
      hash: hello.hash,
    };
  } finally {
    client.close();
    ledger.close();
    token.powerOff();
    rmSync(folder, { recursive: true, force: true });
  }
}
