/**
 * `duo status`: for each selected ledger token, whether Duo has it, whom it is attached to, and
 * whether the ledger's record agrees. Read-only on both sides; needs no seed.
 */
import type { Ledger, TokenRecord } from "../ledger/ledger.js";
import { duoTypeOfProfile, type DuoTokenType } from "../export/duo.js";
import type { DuoApi } from "./push.js";

export type DuoStatusState =
  /** In Duo with the token_id the ledger recorded. */
  | "in-duo"
  /** In Duo, but the ledger has no (or another) token_id for it: `duo push` records it. */
  | "in-duo-unrecorded"
  /** Not in Duo: `duo push` creates it. */
  | "missing"
  /** The ledger recorded a push, but Duo no longer has it (deleted there). */
  | "deleted-in-duo"
  /** A profile Duo cannot take (SHA-256, 7 digits, another time step). */
  | "not-for-duo";

export interface DuoStatusItem {
  serial: string;
  type: DuoTokenType | null;
  state: DuoStatusState;
  tokenId: string | null;
  users: string[];
  admins: string[];
}

/** Whether Duo can take a token of this profile (the rule export duo enforces, without a seed). */
export function duoCanTake(record: Pick<TokenRecord, "algorithm" | "digits" | "kind" | "period">): boolean {
  return record.algorithm === "SHA1" && (record.digits === 6 || record.digits === 8) && (record.kind === "hotp" || record.period === 30 || record.period === 60);
}

export async function duoStatus(ledger: Ledger, api: DuoApi, records: readonly TokenRecord[], onToken?: (done: number, total: number) => void): Promise<DuoStatusItem[]> {
  const recorded = ledger.serviceTokens("duo", api.apiHost);
  const items: DuoStatusItem[] = [];
  for (const record of records) {
    if (!duoCanTake(record)) {
      items.push({ serial: record.serial, type: null, state: "not-for-duo", tokenId: null, users: [], admins: [] });
    } else {
      const type = duoTypeOfProfile(record);
      const token = await api.findToken(type, record.serial);
      const known = recorded.get(record.serial)?.remoteId;
      const state: DuoStatusState = token ? (token.tokenId === known ? "in-duo" : "in-duo-unrecorded") : known ? "deleted-in-duo" : "missing";
      items.push({
        serial: record.serial,
        type,
        state,
        tokenId: token?.tokenId ?? null,
        users: token?.users.map((u) => u.username) ?? [],
        admins: token?.admins.map((a) => a.email) ?? [],
      });
    }
    onToken?.(items.length, records.length);
  }
  return items;
}
