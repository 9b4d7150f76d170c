/**
 * Looking after provisioned tokens: clock checks and authorised syncs (each recorded, so the
 * ledger learns every token's drift), and wiping. The management key comes from the ledger.
 */
import type { Ledger } from "../ledger/ledger.js";
import { InputError } from "../core/otp.js";
import type { TokenClient, Hello } from "./client.js";
import { assertTokensmith } from "../provision/provision-token.js";

export interface ClockReport {
  serial: string;
  /** Token clock minus host clock, seconds; null when the token's clock is lost. */
  offsetSeconds: number | null;
  /** From the ledger's syncs; null with fewer than two. */
  driftPpm: number | null;
  lastSyncAt: number | null;
}

function keyFor(ledger: Ledger, hello: Hello): Uint8Array {
  if (!hello.serial) throw new InputError("this token is not provisioned: nothing to authorise (provision it first)");
  const record = ledger.getToken(hello.serial);
  const key = record?.state === "provisioned" ? ledger.managementKey(hello.serial) : null;
  if (!key) throw new InputError(`token ${hello.serial} is not provisioned in this ledger (${ledger.path}): use the ledger that provisioned it (--ledger)`);
  return key;
}

export function clockReport(ledger: Ledger, serial: string, offsetSeconds: number | null): ClockReport {
  const syncs = ledger.clockSyncs(serial);
  return { serial, offsetSeconds, driftPpm: ledger.driftPpm(serial), lastSyncAt: syncs.length ? syncs[syncs.length - 1].at : null };
}

/** The connected token's offset now, with its drift history. */
export async function checkClock(client: TokenClient, ledger: Ledger, now: () => number): Promise<ClockReport> {
  const hello = await client.hello();
  assertTokensmith(hello);
  return clockReport(ledger, hello.serial || hello.id, hello.clockOk ? hello.time - now() : null);
}

/** Sets the token's clock to the host's UTC with its management key, and records the sync. */
export async function syncClock(client: TokenClient, ledger: Ledger, now: () => number): Promise<ClockReport> {
  const hello = await client.hello();
  assertTokensmith(hello);
  const key = keyFor(ledger, hello);
  const offset = hello.clockOk ? hello.time - now() : null;
  await client.setTime(now(), key);
  ledger.recordClockSync(hello.serial, offset, true, now());
  return clockReport(ledger, hello.serial, offset);
}

/** Wipes the token (authorised with its key) and marks it wiped in the ledger. */
export async function wipeToken(client: TokenClient, ledger: Ledger): Promise<string> {
  const hello = await client.hello();
  assertTokensmith(hello);
  if (hello.state === "unprovisioned") throw new InputError("this token holds nothing to wipe");
  if (hello.state === "needs_setup") {
    await client.wipe(); // a damaged record: no key can be checked, the token allows it
    return hello.serial || hello.id;
  }
  await client.wipe(keyFor(ledger, hello));
  ledger.markWiped(hello.serial);
  return hello.serial;
}

/** What the token says about itself, with its clock's offset from the host (null: lost). */
export async function tokenInfo(client: TokenClient, now: () => number): Promise<Hello & { hostTime: number; offsetSeconds: number | null }> {
  const hello = await client.hello();
  const hostTime = now();
  return { ...hello, hostTime, offsetSeconds: hello.clockOk ? hello.time - hostTime : null };
}
