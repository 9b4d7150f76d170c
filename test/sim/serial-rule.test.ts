/**
 * One rule for serials (shared/serial.ts): the token, the provisioning job, the ledger and the
 * Duo exporter accept exactly the same serials. Each is asked about the same table.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MKEY, ask, bootToken, outcome, provisionFields, totpProfile } from "./support.js";
import { tempLedger, TOTP } from "../ledger/support.js";
import { checkSerialPrefix, checkTokenSerial } from "../../host/provision/job.js";
import { SERIAL_NUMBER_DIGITS, isSerial, isSerialPrefix } from "../../shared/serial.js";
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

describe("one rule for serial prefixes", () => {
  const prefixes: Array<[string, boolean]> = [
    ["TS-", true],
    ["A", true],
    ["x.y_", true],
    ["X".repeat(26), true], // 26 + 6 digits = 32
    ["X".repeat(27), false],
    ["", false],
    ["TS1", false], // ends in a digit: TS1000001 reads two ways
    ["TS-9", false],
    ["-TS", false],
    ["_TS", false],
    ["T S-", false],
    ["TS,", false],
  ];
  it.each(prefixes)("%j: a prefix for the job, the ledger and the shared rule is %s", (prefix, valid) => {
    expect(isSerialPrefix(prefix, SERIAL_NUMBER_DIGITS)).toBe(valid);
    let job = true;
    try {
      checkSerialPrefix(prefix);
    } catch {
      job = false;
    }
    let ledger = true;
    try {
      const serial = tempLedger().reserveSerials(prefix, 1)[0]!;
      expect(isSerial(serial)).toBe(true);
      expect(serial).toBe(prefix + "000001");
    } catch {
      ledger = false;
    }
    expect({ job, ledger }).toEqual({ job: valid, ledger: valid });
  });
});
