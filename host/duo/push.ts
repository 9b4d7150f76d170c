/**
 * `duo push`: provisioned tokens from the ledger into Duo through the Admin API, each looked up
 * first (type and serial are unique in Duo), created only when absent, its token_id recorded
 * in the ledger, then attached to the user the assignment file names. Re-running changes
 * nothing that is already right; an interrupted run is finished by running it again.
 *
 * Seeds come from the escrow, one at a time, straight into the request; never from a file.
 */
import type { Ledger, TokenRecord } from "../ledger/ledger.js";
import { duoTokenType, type DuoTokenType } from "../export/duo.js";
import { secretHex } from "../export/common.js";
import { tokensWithSeeds } from "../export/from-ledger.js";
import { ExportError } from "../errors.js";
import { DUO_CODE, DuoApiError, type DuoToken, type DuoUserRef, type NewDuoToken } from "./admin-api.js";
import { adminPanelSteps, type Assignee } from "./assignments.js";

/** What push needs of the Admin API (DuoAdminApi; a test double may stand in). */
export interface DuoApi {
  readonly apiHost: string;
  findToken(type: DuoTokenType, serial: string): Promise<DuoToken | null>;
  createToken(token: NewDuoToken): Promise<DuoToken>;
  findUser(username: string): Promise<DuoUserRef | null>;
  attachToken(user: DuoUserRef, tokenId: string, serial: string): Promise<void>;
}

export type DuoPushOutcome =
  /** Created by this run. */
  | "created"
  /** Already in Duo and in the ledger with the same token_id. */
  | "already-pushed"
  /** In Duo but not (or differently) in the ledger: its token_id is recorded now. */
  | "found-in-duo"
  | "failed";

export type DuoAssignOutcome = "attached" | "already-attached" | "admin-panel" | "failed";

export interface DuoPushItem {
  serial: string;
  type: DuoTokenType;
  outcome: DuoPushOutcome;
  tokenId?: string;
  assignee?: string;
  assignment?: DuoAssignOutcome;
  /** Why it failed, or what the operator should know. */
  note?: string;
}

export interface DuoPushReport {
  apiHost: string;
  items: DuoPushItem[];
  /** Tokens not reached because the run stopped (credentials, rate limit, network). */
  notReached: string[];
  /** Set when the run stopped early; the tokens before it are done and recorded. */
  stoppedBy?: DuoApiError;
  /** Admin Panel steps for tokens meant for administrators (empty when none). */
  adminPanelSteps: string[];
}

export interface DuoPushOptions {
  assignments?: ReadonlyMap<string, Assignee>;
  /** Called after each token, for progress. */
  onToken?: (item: DuoPushItem, done: number, total: number) => void;
}

const DUO = "Duo";

/** Everything that would keep these tokens out of Duo, found before any request is sent. */
function checkForDuo(ledger: Ledger, records: readonly TokenRecord[]): Map<string, DuoTokenType> {
  const types = new Map<string, DuoTokenType>();
  const problems: string[] = [];
  // tokensWithSeeds refuses tokens without an escrowed seed (their import file holds the only copy).
  for (const token of tokensWithSeeds(ledger, [...records])) {
    try {
      types.set(token.serial, duoTokenType(token));
    } catch (error) {
      if (!(error instanceof ExportError)) throw error;
      problems.push(...(error.problems.length ? error.problems : [error.message]));
    }
  }
  if (problems.length > 0) throw new ExportError(`${problems.length === 1 ? "a token" : "tokens"} ${DUO} cannot take (nothing was sent to ${DUO}):`, problems);
  return types;
}

export async function pushTokensToDuo(ledger: Ledger, api: DuoApi, records: readonly TokenRecord[], options: DuoPushOptions = {}): Promise<DuoPushReport> {
  const types = checkForDuo(ledger, records);
  const account = api.apiHost;
  const recorded = ledger.serviceTokens("duo", account);
  const report: DuoPushReport = { apiHost: account, items: [], notReached: [], adminPanelSteps: [] };
  const forAdmins: Array<{ serial: string; email: string }> = [];

  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const type = types.get(record.serial)!;
    const item: DuoPushItem = { serial: record.serial, type, outcome: "failed" };
    try {
      const token = await ensureToken(ledger, api, record, type, recorded.get(record.serial)?.remoteId, item);
      const assignee = options.assignments?.get(record.serial);
      if (assignee) await assign(ledger, api, token, assignee, item, forAdmins);
    } catch (error) {
      if (!(error instanceof DuoApiError)) throw error;
      item.note = error.message;
      if (item.assignee !== undefined && item.assignment === undefined) item.assignment = "failed";
      if (error.stopsTheRun) {
        report.stoppedBy = error;
        if (item.outcome === "failed") {
          report.notReached.push(...records.slice(index).map((r) => r.serial));
          break;
        }
        report.items.push(item);
        report.notReached.push(...records.slice(index + 1).map((r) => r.serial));
        options.onToken?.(item, index + 1, records.length);
        break;
      }
    }
    report.items.push(item);
    options.onToken?.(item, index + 1, records.length);
  }
  report.adminPanelSteps = adminPanelSteps(forAdmins);
  return report;
}

/** The token in Duo, created if absent; its token_id recorded in the ledger either way. */
async function ensureToken(ledger: Ledger, api: DuoApi, record: TokenRecord, type: DuoTokenType, recordedId: string | undefined, item: DuoPushItem): Promise<DuoToken> {
  const account = api.apiHost;
  let token = await api.findToken(type, record.serial);
  if (token) {
    item.outcome = token.tokenId === recordedId ? "already-pushed" : "found-in-duo";
    if (item.outcome === "found-in-duo") {
      // An interrupted run (Duo created it, the ledger had not recorded it), or a token made
      // outside tokensmith under the same serial: Duo never gives a secret back, so say so.
      item.note = `already in Duo under this serial (token_id ${token.tokenId}) but not recorded as pushed from this ledger: its token_id is recorded now. If it is not this token (an older one with the same serial), delete it in Duo and run again`;
    }
  } else {
    try {
      token = await api.createToken(newToken(ledger, record, type));
      item.outcome = "created";
      if (recordedId !== undefined) item.note = `it had been pushed before (token_id ${recordedId}) and was since deleted in Duo: created again`;
    } catch (error) {
      // Created meanwhile by another run: take that one.
      if (!(error instanceof DuoApiError && error.code === DUO_CODE.duplicate)) throw error;
      token = await api.findToken(type, record.serial);
      if (!token) throw error;
      item.outcome = "found-in-duo";
    }
  }
  item.tokenId = token.tokenId;
  if (token.tokenId !== recordedId) ledger.recordServiceToken({ serial: record.serial, service: "duo", account, remoteId: token.tokenId });
  return token;
}

function newToken(ledger: Ledger, record: TokenRecord, type: DuoTokenType): NewDuoToken {
  const seed = ledger.escrowedSeed(record.serial);
  if (!seed) throw new ExportError(`${record.serial} has no escrowed seed`); // checked before; the row changed under us
  try {
    return {
      type,
      serial: record.serial,
      secretHex: secretHex(seed),
      totpStep: record.kind === "totp" ? record.period : undefined,
      counter: record.kind === "hotp" ? record.counter : undefined,
    };
  } finally {
    seed.fill(0);
  }
}

async function assign(ledger: Ledger, api: DuoApi, token: DuoToken, assignee: Assignee, item: DuoPushItem, forAdmins: Array<{ serial: string; email: string }>): Promise<void> {
  const account = api.apiHost;
  if (assignee.kind === "admin") {
    item.assignee = "admin:" + assignee.email;
    if (token.admins.some((a) => a.email.toLowerCase() === assignee.email.toLowerCase())) {
      item.assignment = "already-attached";
      ledger.recordServiceAssignment(item.serial, "duo", account, item.assignee);
    } else {
      item.assignment = "admin-panel";
      forAdmins.push({ serial: item.serial, email: assignee.email });
    }
    return;
  }
  item.assignee = assignee.username;
  const wanted = assignee.username.toLowerCase();
  if (token.users.some((u) => u.username.toLowerCase() === wanted)) {
    item.assignment = "already-attached";
    if (ledger.serviceTokens("duo", account).get(item.serial)?.assignedTo !== assignee.username) ledger.recordServiceAssignment(item.serial, "duo", account, assignee.username);
    return;
  }
  if (token.users.length > 0) {
    item.assignment = "failed";
    item.note = `attached in Duo to ${token.users.map((u) => u.username).join(", ")}, not ${assignee.username}: tokensmith does not move a token between people; detach it in the Admin Panel (2FA Devices > Hardware Tokens > ${item.serial}) and run again`;
    return;
  }
  const user = await api.findUser(assignee.username);
  if (!user) {
    item.assignment = "failed";
    item.note = `Duo has no user named ${JSON.stringify(assignee.username)}: check the assignment file (Duo matches the username, not an alias or email), or create the user, and run again`;
    return;
  }
  await api.attachToken(user, token.tokenId, item.serial);
  item.assignment = "attached";
  ledger.recordServiceAssignment(item.serial, "duo", account, assignee.username);
}
