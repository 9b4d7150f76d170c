/**
 * Provisioning with the books kept: one token, or a batch of them.
 *
 * For each token, in this order:
 *   1. the serial and a fresh management key are recorded as *pending* in the ledger, with the
 *      chip id, before anything is sent (so a token whose PROVISION landed can always be
 *      re-authorised and finished);
 *   2. the token is provisioned and verified (provision-token.ts);
 *   3. its line is appended to the import file and fsynced (when there is one);
 *   4. the ledger marks it provisioned, with the escrowed seed when escrow is on, in one
 *      transaction.
 * A failure at any point leaves a pending row that a re-run resumes: the same chip gets the
 * same serial and management key, and the same seed when its line was already written.
 */
import { LABEL_PUNCTUATION, MAX_LABEL_LENGTH, firstBadLabelCharacter, isLabel } from "../../shared/label.js";
import { MAX_SERIAL_LENGTH, SERIAL_NUMBER_DIGITS, firstBadSerialCharacter, isSerial, isSerialPrefix } from "../../shared/serial.js";
import { MAX_TOKEN_PROFILES, type BatchOptions, type Ledger, type TokenProfile, type TokenRecord } from "../ledger/ledger.js";
import type { TokenClient } from "../device/client.js";
import type { ExportToken } from "../export/types.js";
import { duoTypeOfProfile, type DuoTokenType } from "../export/duo.js";
import { InputError } from "../core/otp.js";
import { ImportFile } from "./import-file.js";
import { ProvisionError, assertTokensmith, newManagementKey, provisionToken } from "./provision-token.js";
import { generateSeed } from "./seeds.js";

export interface ProfileChoice extends TokenProfile {
  period: number;
  counter: number;
}

export interface JobSettings {
  ledger: Ledger;
  profile: ProfileChoice;
  /** Where seeds go besides the token: the import file, the escrow, or both. */
  importFile: ImportFile | null;
  escrow: boolean;
  /** A given seed (single provisioning); otherwise each token gets a fresh one. */
  seed?: Uint8Array;
  /**
   * Profiles 2 to 8 with their given seeds (single provisioning: several services' keys on one
   * token). Written and verified with the first; escrowed with --escrow; no import file line
   * (the services that issued them hold them already).
   */
  extraProfiles?: ReadonlyArray<{ profile: TokenProfile; seed: Uint8Array }>;
  issuer?: string;
  now: () => number;
  /**
   * The profile was asked for (options on the command line), not defaulted. A chip with an
   * unfinished provisioning is then finished only if the profile is the one recorded for it.
   */
  profileGiven?: boolean;
}

export interface ProvisionedToken {
  serial: string;
  tokenId: string;
  resumed: boolean;
  /** Token clock minus host clock before the sync (null: its clock was lost). */
  offsetBefore: number | null;
}

/** There must be somewhere for the seeds to go, and it must work before a token is touched. */
export function requireSeedDestination(settings: Pick<JobSettings, "importFile" | "escrow">): void {
  if (settings.importFile === null && !settings.escrow) {
    throw new InputError("say where the seeds go: --out FILE (the import file, their only copy) or --escrow (encrypted in the ledger), or both");
  }
  settings.importFile?.preflight();
}

export { SERIAL_NUMBER_DIGITS };
export const MAX_TOKEN_SERIAL_LENGTH = MAX_SERIAL_LENGTH;

/**
 * Refuses, before any token or ledger is touched, a serial the token would refuse: 1 to 32 of
 * A-Z a-z 0-9 . _ - (which also keeps a spreadsheet from reading an import line as a formula).
 */
export function checkTokenSerial(serial: string, what = "serial"): void {
  const allowed = `a token's serial is 1 to ${MAX_TOKEN_SERIAL_LENGTH} of A-Z a-z 0-9 . _ -, starting with a letter or digit`;
  if (serial.length === 0) throw new InputError(`the ${what} is empty: ${allowed}`);
  const bad = firstBadSerialCharacter(serial);
  if (bad >= 0) {
    // Name the character, not the UTF-16 half of one.
    const character = String.fromCodePoint(serial.codePointAt(bad)!);
    const position = [...serial.slice(0, bad)].length + 1;
    throw new InputError(`the ${what} ${JSON.stringify(serial)} has ${JSON.stringify(character)} at position ${position}: ${allowed}; choose another`);
  }
  if (!isSerial(serial)) throw new InputError(`the ${what} ${JSON.stringify(serial)} is ${serial.length} characters: ${allowed}`);
}

/**
 * A profile label the token can show (shared/label.ts): checked before a token is touched, so
 * that no later step (the frame to the token, the display, an import file) can refuse it.
 */
export function checkLabel(label: string): void {
  const allowed = `a label is at most ${MAX_LABEL_LENGTH} of A-Z a-z 0-9, space and ${LABEL_PUNCTUATION.trim()} (what the token's display can draw)`;
  const bad = firstBadLabelCharacter(label);
  if (bad >= 0) {
    const character = String.fromCodePoint(label.codePointAt(bad)!);
    const position = [...label.slice(0, bad)].length + 1;
    throw new InputError(`the label ${JSON.stringify(label)} has ${JSON.stringify(character)} at position ${position}: ${allowed}`);
  }
  if (!isLabel(label)) throw new InputError(`the label ${JSON.stringify(label)} is ${label.length} characters: ${allowed}`);
}

/** A serial prefix: token serial characters, not ending in a digit, room for the number. */
export function checkSerialPrefix(prefix: string): void {
  const room = MAX_TOKEN_SERIAL_LENGTH - SERIAL_NUMBER_DIGITS;
  checkTokenSerial(prefix, "serial prefix");
  if (prefix.length > room) throw new InputError(`the serial prefix ${JSON.stringify(prefix)} is ${prefix.length} characters: at most ${room}, so that prefix and ${SERIAL_NUMBER_DIGITS} digits fit the token's ${MAX_TOKEN_SERIAL_LENGTH}`);
  if (!isSerialPrefix(prefix, SERIAL_NUMBER_DIGITS)) throw new InputError(`the serial prefix ${JSON.stringify(prefix)} ends in a digit: end it in a letter, '.', '_' or '-' (e.g. "TS-") so that serials read one way`);
}

/** The Duo token type a ledger row was provisioned as (its import line's type). */
function duoTypeOf(ledger: Ledger, serial: string): DuoTokenType | null {
  const row = ledger.getToken(serial);
  return row === null ? null : duoTypeOfProfile(row);
}

/** The import file's own refusals, run before the token (or the ledger) is touched. */
function checkImportFileTakes(settings: JobSettings, serial: string, profile: ProfileChoice): void {
  settings.importFile?.checkToken(exportToken(serial, SAMPLE_SEED, { ...settings, profile }), (s) => duoTypeOf(settings.ledger, s));
}

/** A serial of the batch, to check its lines with. */
const firstSerial = (prefix: string) => prefix + "1".padStart(SERIAL_NUMBER_DIGITS, "0");

/** Stands in for the seed while checking that a line can be written (lines do not depend on it). */
const SAMPLE_SEED = new Uint8Array(20);

/** Why a batch cannot be resumed, when it was given up. */
function abandonedNote(ledger: Ledger, batchId: number): string {
  try {
    const batch = ledger.batchSummary(batchId);
    return batch.abandonedAt !== null ? `: it was abandoned (${new Date(batch.abandonedAt * 1000).toISOString()}); start a new batch` : batch.finishedAt !== null ? ": it is finished" : "";
  } catch {
    return "";
  }
}

/** After this many failures in a row the batch stops: something is wrong beyond one token. */
export const MAX_CONSECUTIVE_FAILURES = 3;

function exportToken(serial: string, seed: Uint8Array, settings: JobSettings): ExportToken {
  const p = settings.profile;
  return {
    serial,
    label: p.label,
    kind: p.kind,
    algorithm: p.algorithm,
    digits: p.digits as 6 | 7 | 8,
    period: p.period,
    counter: p.counter,
    secret: seed,
    issuer: settings.issuer,
    account: serial,
  };
}

/** The profile a ledger row was recorded with: a resumed token, or batch, keeps it. */
function profileOf(row: TokenRecord): ProfileChoice {
  return { label: row.label, kind: row.kind, algorithm: row.algorithm, digits: row.digits, period: row.period, counter: row.counter };
}

function sameProfile(a: ProfileChoice, b: ProfileChoice): boolean {
  return a.label === b.label && a.kind === b.kind && a.algorithm === b.algorithm && a.digits === b.digits &&
    (a.kind === "hotp" ? a.counter === b.counter : a.period === b.period);
}

function describeProfile(p: ProfileChoice): string {
  return p.kind === "hotp" ? `HOTP ${p.digits} digits ${p.algorithm}, counter ${p.counter}` : `TOTP ${p.digits} digits ${p.period} s ${p.algorithm}`;
}

/** The pending row this chip was being provisioned under, if any. */
function pendingFor(ledger: Ledger, tokenId: string, batchId: number | null): TokenRecord | null {
  return ledger.listTokens({ state: "pending" }).find((t) => t.tokenId === tokenId && (batchId === null || t.batchId === batchId)) ?? null;
}

/**
 * Provisions the connected token as `serial` (or, when this chip has a pending row, resumes
 * that one). `serialFor` is called only when a new serial is needed.
 */
export async function provisionWithLedger(
  client: TokenClient,
  settings: JobSettings,
  batchId: number | null,
  serialFor: () => string,
): Promise<ProvisionedToken> {
  const { ledger } = settings;
  checkLabel(settings.profile.label);
  const extras = settings.extraProfiles ?? [];
  for (const extra of extras) checkLabel(extra.profile.label);
  if (extras.length > MAX_TOKEN_PROFILES - 1) throw new InputError(`${extras.length + 1} profiles for one token: it holds at most ${MAX_TOKEN_PROFILES}`);
  const hello = await client.hello();
  assertTokensmith(hello);
  const pending = pendingFor(ledger, hello.id, batchId);
  let serial: string;
  let managementKey: Uint8Array;
  let currentKey: Uint8Array | undefined;
  if (pending !== null) {
    if (settings.profileGiven && !sameProfile(profileOf(pending), settings.profile)) {
      throw new ProvisionError(
        `this chip has an unfinished provisioning as ${pending.serial} (${describeProfile(profileOf(pending))}), not ${describeProfile(settings.profile)}: ` +
          `run provision again without profile options to finish it as recorded, or retire it with tokensmith ledger forget ${pending.serial} and provision anew`,
      );
    }
    serial = pending.serial;
    checkImportFileTakes(settings, serial, profileOf(pending));
    managementKey = ledger.managementKey(serial) ?? newManagementKey();
    // If the interrupted PROVISION landed, the token already holds this key.
    if (hello.state !== "unprovisioned" && hello.state !== "needs_setup") {
      // Identity before authority: sign the re-provisioning only for the chip holding the key.
      if (!(await client.proveManagementKey(managementKey)).proven) {
        throw new ProvisionError(
          `the device on chip ${hello.id} says it is provisioned (as ${hello.serial || "nothing"}) but cannot prove it holds the key of ${pending.serial}: it is not that token; nothing was changed`,
        );
      }
      currentKey = managementKey;
    }
  } else {
    if (hello.state !== "unprovisioned" && hello.state !== "needs_setup") {
      const known = hello.serial ? ledger.getToken(hello.serial) : null;
      throw new ProvisionError(
        known?.state === "provisioned"
          ? `this token is already provisioned as ${hello.serial} (in the ledger): connect another one, or wipe it first`
          : `this token is already provisioned${hello.serial ? ` as ${hello.serial}` : ""} by someone else: wipe it first (tokensmith wipe)`,
      );
    }
    const live = ledger.listTokens({ state: "provisioned" }).find((t) => t.tokenId === hello.id);
    if (live) {
      throw new ProvisionError(
        `this chip (${hello.id}) is recorded as token ${live.serial}, yet it reports itself unprovisioned (erased outside tokensmith?): retire that record with tokensmith ledger forget ${live.serial} --force, then try again`,
      );
    }
    serial = serialFor();
    checkTokenSerial(serial);
    checkImportFileTakes(settings, serial, settings.profile);
    managementKey = newManagementKey();
    ledger.recordPending(serial, batchId, settings.profile, { managementKey, tokenId: hello.id, at: settings.now() });
  }
  const written = settings.importFile?.seedOf(serial) ?? null;
  const seed = written ?? settings.seed ?? generateSeed();
  // A resumed token gets the profile its pending row (and maybe its import line) already has.
  const profile = pending !== null ? profileOf(pending) : settings.profile;
  const result = await provisionToken(client, {
    serial,
    managementKey,
    currentManagementKey: currentKey,
    now: settings.now,
    profiles: [
      { label: profile.label, kind: profile.kind, algorithm: profile.algorithm, digits: profile.digits, period: profile.period, counter: profile.counter, secret: seed },
      ...extras.map(({ profile: p, seed: secret }) => ({ label: p.label, kind: p.kind, algorithm: p.algorithm, digits: p.digits, period: p.period ?? 30, counter: p.counter ?? 0, secret })),
    ],
  });
  if (settings.importFile !== null && written === null) await settings.importFile.append(exportToken(serial, seed, { ...settings, profile }));
  ledger.recordProvisioned(serial, {
    tokenId: hello.id,
    firmware: hello.firmware,
    managementKey,
    escrowedSeed: settings.escrow ? seed : undefined,
    extraProfiles: extras.map(({ profile: p, seed: extraSeed }) => ({ profile: p, escrowedSeed: settings.escrow ? extraSeed : undefined })),
    at: settings.now(),
  });
  ledger.recordClockSync(serial, result.offsetBefore, currentKey !== undefined, settings.now());
  return { serial, tokenId: hello.id, resumed: pending !== null, offsetBefore: result.offsetBefore };
}

export type BatchEvent =
  | { type: "waiting"; message: string }
  | { type: "provisioned"; serial: string; done: number; planned: number; resumed: boolean; seconds: number }
  | { type: "failed"; serial: string | null; message: string; done: number; planned: number };

export interface BatchPlan {
  prefix: string;
  count: number;
  /** Continue this unfinished batch instead of starting one. */
  resume?: number;
  /** What the command was told, for the ledger to remember (a resume replaces what was kept). */
  options?: BatchOptions;
}

export interface BatchOutcome {
  batchId: number;
  planned: number;
  provisioned: number;
  pending: string[];
  failures: number;
  interrupted: boolean;
  /** Why the batch stopped before its end, when the operator must act (after tokens were done). */
  stoppedBecause?: string;
}

/**
 * Provisions tokens until the batch is complete. `nextToken` yields a client for the next
 * token to work on (it prompts, waits for a new port, or makes a simulated token), or null
 * when the operator stops. A failed token is reported and the batch goes on; its pending row
 * waits for that chip to come back.
 */
export async function runBatch(
  settings: JobSettings,
  plan: BatchPlan,
  nextToken: () => Promise<{ client: TokenClient; release: () => Promise<void> } | null>,
  onEvent: (event: BatchEvent) => void,
  stopRequested: () => boolean,
): Promise<BatchOutcome> {
  const { ledger } = settings;
  checkLabel(settings.profile.label);
  // A batch writes one fresh seed per token: several services' keys are for single provisioning.
  if ((settings.extraProfiles ?? []).length > 0) throw new InputError("batch provisions one profile a token; put several services' keys on a token with provision");
  let batchId: number;
  if (plan.resume !== undefined) {
    const found = ledger.unfinishedBatches().find((b) => b.id === plan.resume);
    if (!found) throw new InputError(`batch ${plan.resume} is not an unfinished batch in this ledger (tokensmith ledger list shows them)${abandonedNote(ledger, plan.resume)}`);
    batchId = found.id;
    if (plan.options !== undefined) ledger.setBatchOptions(batchId, plan.options);
  } else {
    checkSerialPrefix(plan.prefix);
    const open = ledger.unfinishedBatches().filter((b) => b.prefix === plan.prefix);
    if (open.length > 0) {
      const b = open[0];
      throw new InputError(`batch ${b.id} (${b.prefix}) is unfinished: ${b.provisioned} of ${b.planned} done; finish it with tokensmith batch --resume ${b.id}, or give it up with tokensmith batch --abandon ${b.id}`);
    }
    // Before the first token is plugged in (and the batch recorded): the file can take its tokens.
    checkImportFileTakes(settings, firstSerial(plan.prefix), settings.profile);
    batchId = ledger.beginBatch(plan.prefix, plan.count, settings.now(), plan.options);
  }
  const prefix = ledger.batchSummary(batchId).prefix;
  // A resumed batch keeps the profile its tokens were recorded with (one token type per batch
  // and per import file), whatever profile options the resuming command was given.
  const recorded = plan.resume !== undefined ? ledger.listTokens({ batchId })[0] : undefined;
  if (recorded !== undefined) settings = { ...settings, profile: profileOf(recorded) };
  if (plan.resume !== undefined) checkImportFileTakes(settings, firstSerial(prefix), settings.profile);
  let failures = 0;
  let failuresInARow = 0;
  let interrupted = false;
  let doneThisRun = 0;
  let stoppedBecause: string | undefined;
  for (;;) {
    const summary = ledger.batchSummary(batchId);
    if (summary.provisioned >= summary.planned) break;
    if (stopRequested()) {
      interrupted = true;
      break;
    }
    const next = await nextToken();
    if (next === null) {
      interrupted = true;
      break;
    }
    const started = Date.now();
    let serial: string | null = null;
    try {
      const done = await provisionWithLedger(next.client, settings, batchId, () => {
        if (ledger.batchSummary(batchId).remaining <= 0) {
          // Not a token's fault: the batch cannot go on until the operator acts.
          throw new InputError(
            `every serial of batch ${batchId} is taken by a token still pending (${ledger.listTokens({ batchId, state: "pending" }).map((t) => t.serial).join(", ")}): reconnect those tokens, or release one with tokensmith ledger forget SERIAL`,
          );
        }
        serial = ledger.reserveSerials(prefix, 1)[0];
        return serial;
      });
      const after = ledger.batchSummary(batchId);
      onEvent({ type: "provisioned", serial: done.serial, done: after.provisioned, planned: after.planned, resumed: done.resumed, seconds: (Date.now() - started) / 1000 });
      doneThisRun++;
      failuresInARow = 0;
    } catch (error) {
      failures++;
      failuresInARow++;
      const after = ledger.batchSummary(batchId);
      onEvent({ type: "failed", serial, message: (error as Error).message, done: after.provisioned, planned: after.planned });
      if (error instanceof InputError) {
        // Bad input with nothing done is "nothing done" (exit 2); after tokens were done this
        // run, it is a batch stopped part-way, with the reason and what was done.
        if (doneThisRun === 0) throw error;
        interrupted = true;
        stoppedBecause = (error as Error).message;
        break;
      }
      if (failuresInARow >= MAX_CONSECUTIVE_FAILURES) {
        interrupted = true;
        break; // (the finally below releases the token)
      }
    } finally {
      await next.release();
    }
  }
  const summary = ledger.batchSummary(batchId);
  if (summary.provisioned >= summary.planned) ledger.finishBatch(batchId, settings.now());
  return {
    batchId,
    planned: summary.planned,
    provisioned: summary.provisioned,
    pending: ledger.listTokens({ batchId, state: "pending" }).map((t) => t.serial),
    failures,
    interrupted,
    ...(stoppedBecause !== undefined ? { stoppedBecause } : {}),
  };
}
