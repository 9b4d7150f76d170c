/**
 * `entra push`: provisioned TOTP tokens from the ledger into Microsoft Entra ID through Graph
 * (beta): each created as a hardware OATH device (found by serial number first, so a re-run
 * creates nothing twice), assigned to its user, then activated with a verification code
 * tokensmith computes from the escrowed seed at the current time, as the token itself would
 * show it. Graph's device id is recorded in the ledger; an interrupted run is finished by
 * running it again.
 */
import type { Ledger, TokenRecord } from "../ledger/ledger.js";
import type { ExportToken } from "../export/types.js";
import { secretBase32, secretHex, who } from "../export/common.js";
import { tokensWithSeeds } from "../export/from-ledger.js";
import { totp } from "../core/otp.js";
import { ExportError, GraphApiError } from "../errors.js";
import type { GraphUser, HardwareOathDevice, NewHardwareOathDevice } from "./graph-api.js";

/** What push needs of Graph (GraphApi; a test double may stand in). */
export interface EntraApi {
  readonly tenantId: string;
  listDevices(): Promise<HardwareOathDevice[]>;
  createDevice(device: NewHardwareOathDevice): Promise<HardwareOathDevice>;
  findUser(upn: string): Promise<GraphUser | null>;
  assign(user: GraphUser, deviceId: string, serial: string): Promise<void>;
  activate(user: GraphUser, deviceId: string, verificationCode: string, serial: string): Promise<void>;
}

export const DEFAULT_ENTRA_MANUFACTURER = "tokensmith";
export const DEFAULT_ENTRA_MODEL = "tokensmith-esp32";
const MAX_BASE32 = 128;

export type EntraPushOutcome = "created" | "already-pushed" | "found-in-entra" | "failed";
export type EntraAssignOutcome = "assigned" | "already-assigned" | "unassigned" | "failed";
export type EntraActivateOutcome = "activated" | "already-activated" | "not-assigned" | "failed";

export interface EntraPushItem {
  serial: string;
  outcome: EntraPushOutcome;
  deviceId?: string;
  upn?: string;
  assignment?: EntraAssignOutcome;
  activation?: EntraActivateOutcome;
  note?: string;
}

export interface EntraPushReport {
  tenantId: string;
  items: EntraPushItem[];
  notReached: string[];
  stoppedBy?: GraphApiError;
}

export interface EntraPushOptions {
  upnFor?: (serial: string) => string | undefined;
  manufacturer?: string;
  model?: string;
  onToken?: (item: EntraPushItem, done: number, total: number) => void;
  /** The time the verification codes are computed for (Unix seconds; default now). */
  now?: () => number;
}

function graphProblems(token: ExportToken, upn: string | undefined): string[] {
  const t = who(token);
  const problems: string[] = [];
  if (token.kind !== "totp") problems.push(`${t}: is an HOTP token, but Entra ID takes only TOTP hardware tokens; put it in Duo or a PSKC file instead`);
  if (token.digits !== 6) problems.push(`${t}: shows ${token.digits} digits, but Entra ID takes only 6-digit tokens; re-provision it with 6 digits`);
  if (token.kind === "totp" && token.period !== 30 && token.period !== 60) problems.push(`${t}: has a ${token.period}-second step; Entra ID takes 30 or 60`);
  if (Math.ceil((token.secret.length * 8) / 5) > MAX_BASE32) problems.push(`${t}: the secret is ${token.secret.length} bytes; Entra ID takes at most ${MAX_BASE32} Base32 characters (80 bytes)`);
  if (upn !== undefined && !/^[^@\s]+@[^@\s]+$/.test(upn)) problems.push(`${t}: the UPN ${JSON.stringify(upn)} does not look like user@domain`);
  return problems;
}

export async function pushTokensToEntra(ledger: Ledger, api: EntraApi, records: readonly TokenRecord[], options: EntraPushOptions = {}): Promise<EntraPushReport> {
  const account = api.tenantId;
  // Every check that can refuse runs before Graph is asked anything.
  const tokens = tokensWithSeeds(ledger, [...records]);
  const problems = tokens.flatMap((t) => graphProblems(t, options.upnFor?.(t.serial)));
  if (problems.length > 0) throw new ExportError(`${problems.length === 1 ? "a token" : "tokens"} Entra ID cannot take (nothing was sent to Microsoft):`, problems);
  for (const t of tokens) t.secret.fill(0); // opened again, one at a time, when each is sent

  const report: EntraPushReport = { tenantId: account, items: [], notReached: [] };
  const stop = (error: unknown, index: number): boolean => {
    if (!(error instanceof GraphApiError)) throw error;
    if (!error.stopsTheRun) return false;
    report.stoppedBy = error;
    report.notReached.push(...records.slice(index).map((r) => r.serial));
    return true;
  };

  let bySerial: Map<string, HardwareOathDevice[]>;
  try {
    bySerial = new Map();
    for (const device of await api.listDevices()) bySerial.set(device.serialNumber, [...(bySerial.get(device.serialNumber) ?? []), device]);
  } catch (error) {
    stop(error, 0);
    if (report.stoppedBy) return report;
    throw error;
  }
  const recorded = ledger.serviceTokens("entra", account);
  const users = new Map<string, GraphUser | null>();

  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const upn = options.upnFor?.(record.serial);
    const item: EntraPushItem = { serial: record.serial, outcome: "failed", upn };
    try {
      let user: GraphUser | null = null;
      if (upn !== undefined) {
        if (!users.has(upn.toLowerCase())) users.set(upn.toLowerCase(), await api.findUser(upn));
        user = users.get(upn.toLowerCase()) ?? null;
        if (!user) {
          item.note = `Entra ID has no user ${upn}: check the UPN map, and run again (nothing was created for this token)`;
          item.assignment = "failed";
          report.items.push(item);
          options.onToken?.(item, index + 1, records.length);
          continue;
        }
      }
      const found = bySerial.get(record.serial) ?? [];
      if (found.length > 1) {
        item.note = `${found.length} hardware OATH tokens in the tenant have serial number ${record.serial}: tokensmith cannot tell which is this one; delete the wrong ones in the Entra admin center and run again`;
        report.items.push(item);
        options.onToken?.(item, index + 1, records.length);
        continue;
      }
      let device = found[0];
      const recordedId = recorded.get(record.serial)?.remoteId;
      if (device) {
        item.outcome = device.id === recordedId ? "already-pushed" : "found-in-entra";
        if (item.outcome === "found-in-entra") item.note = `already in Entra ID under this serial number (id ${device.id}) but not recorded as pushed from this ledger: its id is recorded now. If it is another token with the same serial, delete it in Entra and run again`;
      } else {
        device = await api.createDevice(newDevice(ledger, record, options, user));
        item.outcome = "created";
        bySerial.set(record.serial, [device]);
      }
      item.deviceId = device.id;
      if (device.id !== recordedId) ledger.recordServiceToken({ serial: record.serial, service: "entra", account, remoteId: device.id });

      // Assignment.
      if (!user) {
        item.assignment = "unassigned";
        item.activation = device.assignedTo ? undefined : "not-assigned";
      } else if (device.assignedTo && device.assignedTo.id !== user.id) {
        item.assignment = "failed";
        item.note = `assigned in Entra ID to ${device.assignedTo.displayName ?? device.assignedTo.id}, not ${user.userPrincipalName}: tokensmith does not move a token between people; unassign it in the Entra admin center and run again`;
      } else {
        if (device.assignedTo || item.outcome === "created") item.assignment = item.outcome === "created" ? "assigned" : "already-assigned";
        else {
          await api.assign(user, device.id, record.serial);
          item.assignment = "assigned";
        }
        ledger.recordServiceAssignment(record.serial, "entra", account, user.userPrincipalName);
        // Activation with the code the token shows now.
        if (device.status === "activated") {
          item.activation = "already-activated";
          if (recorded.get(record.serial)?.activatedAt == null) ledger.recordServiceActivation(record.serial, "entra", account);
        } else {
          await api.activate(user, device.id, codeNow(ledger, record, options.now), record.serial);
          item.activation = "activated";
          ledger.recordServiceActivation(record.serial, "entra", account);
        }
      }
    } catch (error) {
      if (stop(error, index + (item.outcome === "failed" ? 0 : 1))) {
        if (item.outcome !== "failed") {
          item.note = (error as Error).message;
          report.items.push(item);
          options.onToken?.(item, index + 1, records.length);
        }
        break;
      }
      item.note = (error as Error).message;
      if (item.assignment === undefined && upn !== undefined) item.assignment = "failed";
      else if (item.assignment === "assigned" || item.assignment === "already-assigned") item.activation = "failed";
    }
    report.items.push(item);
    options.onToken?.(item, index + 1, records.length);
  }
  return report;
}

function newDevice(ledger: Ledger, record: TokenRecord, options: EntraPushOptions, user: GraphUser | null): NewHardwareOathDevice {
  const seed = ledger.escrowedSeed(record.serial)!;
  try {
    return {
      serialNumber: record.serial,
      manufacturer: options.manufacturer ?? DEFAULT_ENTRA_MANUFACTURER,
      model: options.model ?? DEFAULT_ENTRA_MODEL,
      secretKeyBase32: secretBase32(seed),
      timeIntervalInSeconds: record.period,
      hashFunction: record.algorithm === "SHA256" ? "hmacsha256" : "hmacsha1",
      assignToUserId: user?.id,
    };
  } finally {
    seed.fill(0);
  }
}

/** The code the token shows now (RFC 6238 from the escrowed seed). */
function codeNow(ledger: Ledger, record: TokenRecord, now: () => number = () => Date.now() / 1000): string {
  const seed = ledger.escrowedSeed(record.serial)!;
  try {
    return totp(secretHex(seed), Math.floor(now()), record.period, record.digits, record.algorithm);
  } finally {
    seed.fill(0);
  }
}
