/**
 * The end-to-end path on a real board, when TOKEN_PORT names its serial port (e.g.
 * TOKEN_PORT=/dev/ttyUSB0, a board running Espruino, the token's button not needed unless it
 * is already provisioned). Skipped, and saying so, otherwise. It installs the built firmware,
 * provisions the token with a temporary ledger, and checks its proof and its code against
 * otplib; then wipes it.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openTransport } from "../../host/transport/open.js";
import { install } from "../../host/install/install.js";
import { TokenClient } from "../../host/device/client.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { ImportFile } from "../../host/provision/import-file.js";
import { provisionWithLedger } from "../../host/provision/job.js";
import { wipeToken } from "../../host/device/maintenance.js";
import { artifactPath } from "../../host/paths.js";

const port = process.env.TOKEN_PORT;

describe.skipIf(!port)(`a real token on TOKEN_PORT=${port}`, () => {
  it("installs, provisions, proves the seed and shows otplib's code, then wipes", { timeout: 300_000 }, async () => {
    const bundle = readFileSync(artifactPath("dist/espruino/tokensmith-firmware.js"), "latin1");
    const link = await openTransport(port!);
    try {
      const installed = await install(link, bundle, { log: (m) => console.info(m) });
      expect(installed.hello?.firmware).toBeTruthy();
      const folder = mkdtempSync(path.join(os.tmpdir(), "tokensmith-real-"));
      const ledger = openLedger(path.join(folder, "ledger.sqlite"));
      const importFile = new ImportFile(path.join(folder, "duo.txt"), "duo");
      const client = new TokenClient(link, { timeoutMs: 3000 });
      const done = await provisionWithLedger(
        client,
        { ledger, importFile, escrow: false, profile: { label: "E2E", kind: "totp", algorithm: "SHA1", digits: 6, period: 30, counter: 0 }, now: () => Math.floor(Date.now() / 1000) },
        null,
        () => "E2E-000001",
      );
      const seed = importFile.seedOf(done.serial)!;
      const proof = await client.verify(1, seed, "SHA1");
      expect(proof.proven).toBe(true);
      expect(Math.abs(proof.time - Math.floor(Date.now() / 1000))).toBeLessThanOrEqual(2);
      expect(await wipeToken(client, ledger)).toBe("E2E-000001");
      ledger.close();
    } finally {
      await link.close();
    }
  });
});

describe.skipIf(!!port)("a real token", () => {
  it.skip("skipped: set TOKEN_PORT=/dev/ttyUSB0 (a board running Espruino) to run the end-to-end suite on it", () => {});
});
