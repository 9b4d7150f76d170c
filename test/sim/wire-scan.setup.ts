/**
 * Runs after every test file: no frame any simulated token sent during the file contains a
 * secret provisioned during it (see assertNoSecretsOnTheWire in support.ts). Registered for
 * the whole suite in vitest.config.ts, so a new simulator suite cannot forget it.
 */
import { afterAll } from "vitest";
import { assertNoSecretsOnTheWire } from "./support.js";

afterAll(() => {
  const scanned = assertNoSecretsOnTheWire();
  if (scanned.frames > 0) console.info(`wire scan: ${scanned.frames} lines from simulated tokens, ${scanned.secrets} secrets provisioned, none on the wire`);
});
