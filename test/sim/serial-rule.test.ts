/**
 * One rule for serials (shared/serial.ts): the token, the provisioning job, the ledger and the
 * Duo exporter accept exactly the same serials. Each is asked about the same table.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, ask, bootToken, outcome, provisionFields, totpProfile } from "./support.js";
import { tempLedger, TOTP } from "../ledger/support.js";
import { checkTokenSerial } from "../../host/provision/job.js";
import { duoImportLine } from "../../host/export/duo.js";
import { makeToken } from "../export/support.js";

const serials: Array<[string, boolean]> = [
  ["TS-000001", true],
  ["a", true],
  ["A.b_c-9", true],
  ["X".repeat(32), true],
  ["X".repeat(33), false],
  ["", false],
  ["TS 1", false],
  ["TS,1", false],
  ["TS/1", false],
  ["TS=1", false],
  ["tökén", false],
  ["TS\t1", false],
  // The first character: a letter or digit (a leading '-' is a spreadsheet formula and a CLI option).
  ["-TS1", false],
  [".TS1", false],
  ["_TS1", false],
  ["1-", true],
  ["z_.", true],
];

describe("one rule for serials", () => {
  it.each(serials)("%j: accepted everywhere is %s", (serial, valid) => {
    const { token } = bootToken();
    const firmware = outcome(ask(token, "PROVISION", provisionFields(serial, MKEY, [totpProfile(randomBytes(20))]))) === "OK";
    let job = true;
    try {
      checkTokenSerial(serial);
    } catch {
      job = false;
    }
    let ledger = true;
    try {
      tempLedger().recordPending(serial, null, TOTP, { managementKey: MKEY, tokenId: "246f28000001", at: 1000 });
    } catch {
      ledger = false;
    }
    let duo = true;
    try {
      duoImportLine(makeToken({ serial }));
    } catch {
      duo = false;
    }
    expect({ firmware, job, ledger, duo }).toEqual({ firmware: valid, job: valid, ledger: valid, duo: valid });
  });
});
