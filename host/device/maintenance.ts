/**
 * Looking after provisioned tokens: clock checks and authorised syncs (each recorded, so the
 * ledger learns every token's drift), and wiping. The management key comes from the ledger.
 */
import type { Ledger } from "../ledger/ledger.js";
import { InputError } from "../core/otp.js";
import { TokenError, type TokenClient, type Hello } from "./client.js";
import { assertTokensmith } from "../provision/provision-token.js";
import { IdentityError } from "../errors.js";
export { IdentityError };

export interface ClockReport {
  serial: string;
  /** Token clock minus host clock, seconds; null when the token's clock is lost. */
  offsetSeconds: number | null;
  /** From the ledger's syncs; null with fewer than two. */
  driftPpm: number | null;
  lastSyncAt: number | null;
}

/**
 * The management key for the connected token, once it has shown it is the ledger's token:
 * identity before authority. Its chip id must be the one the ledger recorded for its serial,
 * and it must prove it holds that serial's management key (VERIFY profile=0). Anything else
 * (a fake device repeating a real token's serial or chip id) is refused before anything is
 * signed for it, so the ledger and the real token stay as they were.
 */
export async function keyForLedgerToken(client: TokenClient, ledger: Ledger, hello: Hello): Promise<Uint8Array> {
  if (!hello.serial) throw new InputError("this token is not provisioned: nothing to authorise (provision it first)");
  const record = ledger.getToken(hello.serial);
  const key = record?.state === "provisioned" ? ledger.managementKey(hello.serial) : null;
  if (!record || !key) throw new InputError(`token ${hello.serial} is not provisioned in this ledger (${ledger.path}): use the ledger that provisioned it (--ledger)`);
  if (record.tokenId !== hello.id) {
    throw new IdentityError(
      `the device says it is ${hello.serial} on chip ${hello.id}, but the ledger has ${hello.serial} on chip ${record.tokenId ?? "(none)"}: it is not that token; nothing was changed`,
    );
  }
  const proof = await client.proveManagementKey(key);
  if (!proof.proven) {
    throw new IdentityError(`the device says it is ${hello.serial} (chip ${hello.id}) but cannot prove it holds that token's management key: it is not that token; nothing was changed`);
  }
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
  const key = await keyForLedgerToken(client, ledger, hello);
  const offset = hello.clockOk ? hello.time - now() : null;
  await client.setTime(now(), key);
  ledger.recordClockSync(hello.serial, offset, true, now());
  return clockReport(ledger, hello.serial, offset);
}

/** Wipes the token (authorised with its key) and marks it wiped in the ledger. */
/**
 * Asked before anything is erased, with what the token says it is; false stops with nothing
 * changed. The CLI asks on the terminal (or takes --yes).
 */
export type ConfirmErase = (hello: Hello) => Promise<boolean>;

export async function wipeToken(client: TokenClient, ledger: Ledger, confirm: ConfirmErase = async () => true): Promise<string> {
  const hello = await client.hello();
  assertTokensmith(hello);
  if (hello.state === "unprovisioned") throw new InputError("this token holds nothing to wipe");
  if (!(await confirm(hello))) throw new InputError("not confirmed: nothing was erased");
  if (hello.state === "needs_setup") {
    await client.wipe(); // a damaged record: no key can be checked, the token allows it
    return hello.serial || hello.id;
  }
  await client.wipe(await keyForLedgerToken(client, ledger, hello));
  ledger.markWiped(hello.serial);
  return hello.serial;
}

/**
 * Resets the token to factory state without its management key: the token does it only while
 * its button is held. The ledger is not touched: a device can claim any serial, and only a
 * wipe authorised by the key proves which token was erased (tokensmith ledger forget retires
 * a lost one by hand).
 */
export async function factoryResetToken(client: TokenClient, confirm: ConfirmErase = async () => true): Promise<Hello> {
  const hello = await client.hello();
  assertTokensmith(hello);
  if (!(await confirm(hello))) throw new InputError("not confirmed: nothing was erased");
  try {
    await client.factoryReset();
  } catch (error) {
    if (error instanceof TokenError && error.code === "not_allowed") {
      throw new InputError("the token refused: hold its button down while the command runs (press and keep holding, then run it again)");
    }
    throw error;
  }
  return hello;
}

/** What the token says about itself, with its clock's offset from the host (null: lost). */
export async function tokenInfo(client: TokenClient, now: () => number): Promise<Hello & { hostTime: number; offsetSeconds: number | null }> {
  const hello = await client.hello();
  const hostTime = now();
  return { ...hello, hostTime, offsetSeconds: hello.clockOk ? hello.time - hostTime : null };
}
