/**
 * The ledger: the embedded record of every token (SQLite through better-sqlite3; synchronous).
 *
 * What it holds: batches, tokens (profile, chip id, firmware, state), the serial counters,
 * clock syncs, exports, and each token's management key. What it never holds: a seed in
 * plaintext. A seed is either only in the import file being written (the ledger row has no
 * escrow), or sealed in the escrow (escrow.ts) under the operator's passphrase.
 *
 * The management key is not a seed, but whoever has it can wipe, re-provision or move the
 * clock of the token. It is sealed under the escrow passphrase when the ledger has an escrow
 * (AAD "mkey:" + serial), and otherwise stored as raw bytes, protected only by the file's mode
 * (0600, directory 0700). Creating the escrow later seals the keys already recorded.
 *
 * The file: created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database's mode), WAL, synchronous=FULL (a committed token survives a power cut),
 * foreign keys on, secure_delete on (a wiped token's key and escrow are overwritten, not just
 * unlinked), busy timeout so two processes on one ledger wait for each other. Every write is
 * one BEGIN IMMEDIATE transaction.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import {
  DEFAULT_SCRYPT_COST,
  EscrowError,
  blobKeyParameters,
  deriveEscrowKey,
  escrowOpener,
  newEscrowSalt,
  openWithKey,
  sealWithKey,
  type EscrowKey,
  type ScryptCost,
} from "./escrow.js";
import { LEDGER_APPLICATION_ID, MIGRATIONS } from "./schema.js";
import { MAX_SERIAL_LENGTH, isSerial, isSerialPrefix } from "../../shared/serial.js";
import { LedgerError } from "../errors.js";
export { LedgerError };

export type TokenState = "pending" | "provisioned" | "wiped";
export type TokenKind = "totp" | "hotp";
export type TokenAlgorithm = "SHA1" | "SHA256";

/** The profile a token is provisioned with (one profile per ledger row). */
export interface TokenProfile {
  label: string;
  kind: TokenKind;
  algorithm: TokenAlgorithm;
  digits: number;
  /** TOTP step, seconds (default 30; kept for HOTP too, unused). */
  period?: number;
  /** HOTP starting counter (default 0). */
  counter?: number;
}

export interface PendingOptions {
  /**
   * The management key about to be sent to the token. Recording it here, before PROVISION,
   * means a crash between the token accepting it and recordProvisioned leaves the key in the
   * ledger, so a re-run can re-provision the token (PROVISION with the current key).
   */
  managementKey?: Uint8Array;
  /** The chip the serial is being written to (HELLO's id): a resumed run finds it again. */
  tokenId?: string;
  /** Unix seconds, UTC; default now. */
  at?: number;
}

export interface ProvisionedInfo {
  /** The chip's id from HELLO. */
  tokenId: string;
  /** The firmware version from HELLO. */
  firmware: string;
  managementKey: Uint8Array;
  /** The seed, to seal into the escrow (needs unlockEscrow). Omit when the import file is its only copy. */
  escrowedSeed?: Uint8Array;
  /** Profiles 2 to 8 (seeds from services), with their seeds to escrow or not. */
  extraProfiles?: ReadonlyArray<{ profile: TokenProfile; escrowedSeed?: Uint8Array }>;
  /** Unix seconds, UTC; default now. */
  at?: number;
}

export interface TokenRecord {
  serial: string;
  batchId: number | null;
  label: string;
  kind: TokenKind;
  algorithm: TokenAlgorithm;
  digits: number;
  period: number;
  counter: number;
  tokenId: string | null;
  firmware: string | null;
  state: TokenState;
  /** Unix seconds, UTC. */
  pendingAt: number;
  provisionedAt: number | null;
  wipedAt: number | null;
  hasManagementKey: boolean;
  managementKeySealed: boolean;
  hasEscrowedSeed: boolean;
}

export interface BatchSummary {
  id: number;
  prefix: string;
  planned: number;
  createdAt: number;
  finishedAt: number | null;
  provisioned: number;
  pending: number;
  wiped: number;
  /** Tokens still to start: planned - provisioned - pending (a wiped one is replaced). */
  remaining: number;
  /** When the operator gave it up (finishedAt is then the same time). */
  abandonedAt: number | null;
  /** What the batch command was told (null for batches begun before schema version 2). */
  options: BatchOptions | null;
}

/** What `batch` was told besides the profile, kept so that `batch --resume ID` needs nothing else. */
export interface BatchOptions {
  /** The import file (absolute path) and its format. */
  out?: string;
  format?: string;
  escrow?: boolean;
  /** The one port tokens are swapped on (none: each new port that appears). */
  port?: string;
  issuer?: string;
}

export interface ClockSync {
  serial: string;
  /** Unix seconds, UTC. */
  at: number;
  /** Token minus host before the sync, seconds; null when the token's clock was lost. */
  offsetSeconds: number | null;
  /** null for the token's first recorded sync. */
  secondsSinceLastSync: number | null;
  authorised: boolean;
}

export type IdentityService = "duo" | "entra";

/** A token created in an identity service: Duo's token_id, or Graph's device id. */
export interface ServiceTokenRecord {
  serial: string;
  service: IdentityService;
  /** Duo: the API hostname; Entra: the tenant. */
  account: string;
  remoteId: string;
  pushedAt: number;
  assignedTo: string | null;
  assignedAt: number | null;
  activatedAt: number | null;
}

/** A provisioned token's profile and escrowed seed (null when it was not escrowed). */
export interface ProvisionedSeed {
  serial: string;
  label: string;
  kind: TokenKind;
  algorithm: TokenAlgorithm;
  digits: number;
  period: number;
  counter: number;
  /** The seed; null when it was not escrowed. */
  secret: Uint8Array | null;
}

/** serial, label, kind, algorithm, digits, period, counter, escrow */
type SeedRow = [string, string, TokenKind, TokenAlgorithm, number, number, number, Buffer | null];

export interface ExportRecord {
  id: number;
  at: number;
  format: string;
  path: string;
  tokenCount: number;
  serialsSha256: string;
}

export interface LedgerOptions {
  /** scrypt cost used when this ledger's escrow is first created (tests use a low one). */
  scryptCost?: ScryptCost;
  /** How long to wait for another process holding the write lock, ms (default 10 s). */
  busyTimeoutMs?: number;
  /**
   * Create the ledger (and its folder) when the file is missing, and tighten a loose file mode
   * (default true). False for commands that only read: a missing file is then an error.
   */
  create?: boolean;
}

const VERIFIER_PLAINTEXT = Buffer.from("tokensmith escrow verifier v1", "utf8");
const VERIFIER_AAD = "tokensmith:escrow-verifier";
const META_ESCROW_VERIFIER = "escrow_verifier";
const mkeyAad = (serial: string) => "mkey:" + serial;
const profileAad = (serial: string, slot: number) => `${serial}#${slot}`;
/** The token holds at most this many profiles. */
export const MAX_TOKEN_PROFILES = 8;
/** Service credentials (a Duo secret key) live in meta, sealed, under "credential:" + name. */
const CREDENTIAL_PREFIX = "credential:";
/** SQLite's page cache while an export scans every row once: 2 MiB (a negative size is in KiB). */
const SCAN_CACHE_SIZE = -2048;
/** Rows a page of provisionedSeedPages (a page's seeds are in memory together). */
const SEED_PAGE_ROWS = 128;

const toMs = (seconds: number) => Math.round(seconds * 1000);
const fromMs = (ms: number | null) => (ms === null ? null : ms / 1000);
const nowSeconds = () => Date.now() / 1000;

interface TokenRow {
  serial: string;
  batch_id: number | null;
  label: string;
  kind: TokenKind;
  algorithm: TokenAlgorithm;
  digits: number;
  period: number;
  counter: number;
  token_id: string | null;
  firmware: string | null;
  state: TokenState;
  pending_at_ms: number;
  provisioned_at_ms: number | null;
  wiped_at_ms: number | null;
  management_key: Buffer | null;
  management_key_sealed: number;
  escrow: Buffer | null;
}

interface BatchRow {
  id: number;
  prefix: string;
  planned: number;
  created_at_ms: number;
  finished_at_ms: number | null;
  options: string | null;
  abandoned_at_ms: number | null;
}

interface SyncRow {
  serial: string;
  at_ms: number;
  offset_seconds: number | null;
  seconds_since_last_sync: number | null;
  authorised: number;
}

const isPosix = process.platform !== "win32";

/**
 * With `create`: creates the directory (0700) and the file (0600) when missing. Without: the
 * file must exist (a mistyped --ledger is an error, not a new ledger). Either way an empty file
 * that was already there is refused: it is somebody's file, not a ledger.
 */
function prepareFile(file: string, create: boolean): void {
  if (!create) {
    if (!existsSync(file)) {
      throw new LedgerError(`there is no ledger at ${file}: check --ledger (or TOKENSMITH_LEDGER); provision and batch create one`);
    }
  } else {
    const dir = path.dirname(path.resolve(file));
    const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined && isPosix) chmodSync(dir, 0o700);
    try {
      closeSync(openSync(file, "wx", 0o600));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const stats = statSync(file);
  if (stats.isFile() && stats.size === 0) {
    throw new LedgerError(`${file} is an empty file, not a tokensmith ledger: remove it, or give another path with --ledger`);
  }
}

/** A ledger that others can read is tightened to 0600 (only once it is known to be a ledger). */
function tightenMode(file: string): void {
  if (isPosix && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

function isSqliteError(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && (error.code === code || error.code.startsWith(code + "_"));
}

export class Ledger {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly options: LedgerOptions;
  private escrowKey: EscrowKey | null = null;

  /** Use openLedger. */
  constructor(file: string, options: LedgerOptions = {}) {
    this.path = file;
    this.options = options;
    const inMemory = file === ":memory:";
    const create = options.create ?? true;
    if (!inMemory) prepareFile(file, create);
    try {
      this.db = new Database(file, { timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (error) {
      throw new LedgerError(`cannot open the ledger ${file}: ${(error as Error).message}`);
    }
    try {
      this.configure(inMemory);
      this.migrate();
      if (!inMemory && create) tightenMode(file);
    } catch (error) {
      this.db.close();
      if (isSqliteError(error, "SQLITE_NOTADB")) throw new LedgerError(`${file} is not a tokensmith ledger (not an SQLite database)`);
      if (isSqliteError(error, "SQLITE_CORRUPT")) {
        throw new LedgerError(`the ledger ${file} is damaged (SQLite: ${(error as Error).message}): nothing was changed. Restore it from your backup; \`sqlite3 ${file} .recover\` may save its rows`);
      }
      throw error;
    }
  }

  private configure(inMemory: boolean): void {
    const id = this.db.pragma("application_id", { simple: true }) as number;
    if (id !== 0 && id !== LEDGER_APPLICATION_ID) throw new LedgerError(`${this.path} is an SQLite database of another program, not a tokensmith ledger`);
    // Before anything is set on it (WAL mode would change the file): another program's database.
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (tables.length > 0 && !tables.includes("schema_migrations")) throw new LedgerError(`${this.path} is an SQLite database but not a tokensmith ledger`);
    if (!inMemory) {
      const mode = this.db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal") throw new LedgerError(`cannot put the ledger ${this.path} in WAL mode (got ${String(mode)})`);
    }
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("secure_delete = ON");
  }

  private migrate(): void {
    this.write(() => {
      const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      if (!tables.includes("schema_migrations")) {
        if (tables.length > 0) throw new LedgerError(`${this.path} is an SQLite database but not a tokensmith ledger`);
        this.db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT");
        this.db.pragma(`application_id = ${LEDGER_APPLICATION_ID}`);
      }
      const current = (this.db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").pluck().get() as number) ?? 0;
      const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
      if (current > latest) {
        throw new LedgerError(`the ledger ${this.path} has schema version ${current}, newer than this tokensmith knows (${latest}): update tokensmith`);
      }
      const record = this.db.prepare("INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (?, ?, ?)");
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        this.db.exec(migration.sql);
        record.run(migration.version, migration.description, Date.now());
      }
    });
  }

  /** The schema version in the file. */
  schemaVersion(): number {
    return this.db.prepare("SELECT MAX(version) FROM schema_migrations").pluck().get() as number;
  }

  /** Runs fn in one BEGIN IMMEDIATE transaction (takes the write lock first: no upgrade deadlock). */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.escrowKey = null;
    if (this.db.open) this.db.close();
  }

  // ---- escrow ----------------------------------------------------------------------------------

  /** Whether this ledger has an escrow passphrase (then every secret written to it is sealed). */
  escrowConfigured(): boolean {
    return this.verifierBlob() !== undefined;
  }

  get escrowUnlocked(): boolean {
    return this.escrowKey !== null;
  }

  private verifierBlob(): Buffer | undefined {
    return this.db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(META_ESCROW_VERIFIER) as Buffer | undefined;
  }

  /**
   * Derives the escrow key (scrypt, once) and checks it against the ledger's verifier: a wrong
   * passphrase throws EscrowError here, before any token is written. The first call on a ledger
   * creates the escrow: a random salt and a verifier, and seals the management keys already
   * recorded in plaintext.
   */
  unlockEscrow(passphrase: string): void {
    const existing = this.verifierBlob();
    if (existing !== undefined) {
      this.escrowKey = this.checkVerifier(existing, passphrase);
      return;
    }
    // Derive outside the write lock (scrypt is the slow part); then create, unless another
    // process created the escrow meanwhile, in which case its passphrase is the one to match.
    const key = deriveEscrowKey(passphrase, newEscrowSalt(), this.options.scryptCost ?? DEFAULT_SCRYPT_COST);
    const winner = this.write(() => {
      const raced = this.verifierBlob();
      if (raced !== undefined) return raced;
      this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(META_ESCROW_VERIFIER, sealWithKey(key, VERIFIER_PLAINTEXT, VERIFIER_AAD));
      const plain = this.db.prepare("SELECT serial, management_key FROM tokens WHERE management_key IS NOT NULL AND management_key_sealed = 0").all() as Array<{ serial: string; management_key: Buffer }>;
      const seal = this.db.prepare("UPDATE tokens SET management_key = ?, management_key_sealed = 1 WHERE serial = ?");
      for (const row of plain) seal.run(sealWithKey(key, row.management_key, mkeyAad(row.serial)), row.serial);
      return undefined;
    });
    this.escrowKey = winner === undefined ? key : this.checkVerifier(winner, passphrase);
  }

  /**
   * Changes the escrow passphrase (the escrow must be unlocked with the current one): a new
   * salt and key, and every sealed blob (the verifier, each management key, each seed, each kept
   * service credential) opened with the old key and sealed with the new, in one transaction: a
   * cut leaves the old passphrase working, never a mix. Returns how many blobs were re-sealed.
   */
  changeEscrowPassphrase(newPassphrase: string): number {
    const oldKey = this.requireKey("cannot change the escrow passphrase");
    const newKey = deriveEscrowKey(newPassphrase, newEscrowSalt(), this.options.scryptCost ?? oldKey.cost);
    const count = this.write(() => {
      let resealed = 0;
      this.db.prepare("UPDATE meta SET value = ? WHERE key = ?").run(sealWithKey(newKey, VERIFIER_PLAINTEXT, VERIFIER_AAD), META_ESCROW_VERIFIER);
      resealed++;
      const credentials = this.db.prepare("SELECT key, value FROM meta WHERE key LIKE ?").all(CREDENTIAL_PREFIX + "%") as Array<{ key: string; value: Buffer }>;
      for (const row of credentials) {
        this.db.prepare("UPDATE meta SET value = ? WHERE key = ?").run(sealWithKey(newKey, openWithKey(oldKey, row.value, row.key), row.key), row.key);
        resealed++;
      }
      const profiles = this.db.prepare("SELECT serial, slot, escrow FROM token_profiles WHERE escrow IS NOT NULL").all() as Array<{ serial: string; slot: number; escrow: Buffer }>;
      for (const row of profiles) {
        const aad = profileAad(row.serial, row.slot);
        this.db.prepare("UPDATE token_profiles SET escrow = ? WHERE serial = ? AND slot = ?").run(sealWithKey(newKey, openWithKey(oldKey, row.escrow, aad), aad), row.serial, row.slot);
        resealed++;
      }
      const rows = this.db.prepare("SELECT serial, management_key, management_key_sealed, escrow FROM tokens WHERE (management_key IS NOT NULL AND management_key_sealed = 1) OR escrow IS NOT NULL").all() as Array<{
        serial: string;
        management_key: Buffer | null;
        management_key_sealed: number;
        escrow: Buffer | null;
      }>;
      const update = this.db.prepare("UPDATE tokens SET management_key = ?, escrow = ? WHERE serial = ?");
      for (const row of rows) {
        const key = row.management_key !== null && row.management_key_sealed === 1 ? sealWithKey(newKey, openWithKey(oldKey, row.management_key, mkeyAad(row.serial)), mkeyAad(row.serial)) : row.management_key;
        const seed = row.escrow !== null ? sealWithKey(newKey, openWithKey(oldKey, row.escrow, row.serial), row.serial) : null;
        update.run(key, seed, row.serial);
        resealed += (row.management_key_sealed === 1 && row.management_key !== null ? 1 : 0) + (row.escrow !== null ? 1 : 0);
      }
      return resealed;
    });
    this.escrowKey = newKey;
    return count;
  }

  private checkVerifier(verifier: Buffer, passphrase: string): EscrowKey {
    const { salt, cost } = blobKeyParameters(verifier);
    const key = deriveEscrowKey(passphrase, salt, cost);
    const plaintext = openWithKey(key, verifier, VERIFIER_AAD); // throws "wrong passphrase or the escrow was altered"
    if (!Buffer.from(plaintext).equals(VERIFIER_PLAINTEXT)) throw new EscrowError("wrong passphrase or the escrow was altered");
    return key;
  }

  private requireKey(what: string): EscrowKey {
    if (this.escrowKey === null) {
      throw new LedgerError(
        this.escrowConfigured()
          ? `${what}: the ledger's escrow is locked: give the escrow passphrase (prompt or TOKENSMITH_ESCROW_PASSPHRASE)`
          : `${what}: the ledger has no escrow: give an escrow passphrase to create one`,
      );
    }
    return this.escrowKey;
  }

  // ---- serials and batches ---------------------------------------------------------------------

  /**
   * The next `count` serials for `prefix`, numbered after the highest ever used for it (the
   * counter, and any serial of that form already in the ledger, wiped ones included), zero
   * padded to `width` digits: "TS-" -> "TS-000001". Never reused, also across processes.
   */
  reserveSerials(prefix: string, count: number, width = 6): string[] {
    if (!Number.isInteger(width) || width < 1 || width > 12) throw new LedgerError(`serial width ${width}: give 1 to 12 digits`);
    if (!isSerialPrefix(prefix, width)) {
      throw new LedgerError(
        `serial prefix "${prefix}": use 1-${MAX_SERIAL_LENGTH - width} letters, digits, '.', '_' or '-', starting with a letter or digit and not ending in a digit (e.g. "TS-"), so that prefix and ${width} digits make a serial`,
      );
    }
    if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new LedgerError(`cannot reserve ${count} serials: give a whole number from 1 to 100000`);
    return this.write(() => {
      // Letter case does not make another serial (the display shows capitals): "ts-" continues
      // where "TS-" stopped, and skips what any spelling of a serial took.
      const counter = (this.db.prepare("SELECT MAX(last_number) FROM serial_counters WHERE prefix = ? COLLATE NOCASE").pluck().get(prefix) as number | null) ?? 0;
      const inTokens =
        (this.db
          .prepare(
            `SELECT MAX(CAST(substr(serial, @len + 1) AS INTEGER)) FROM tokens
             WHERE substr(serial, 1, @len) = @prefix COLLATE NOCASE AND length(serial) > @len AND substr(serial, @len + 1) NOT GLOB '*[^0-9]*'`,
          )
          .pluck()
          .get({ len: prefix.length, prefix }) as number | null) ?? 0;
      let number = Math.max(counter, inTokens);
      const exists = this.db.prepare("SELECT 1 FROM tokens WHERE serial = ? COLLATE NOCASE").pluck();
      const serials: string[] = [];
      const limit = 10 ** width - 1;
      while (serials.length < count) {
        number += 1;
        if (number > limit) {
          throw new LedgerError(`prefix "${prefix}" has used every ${width}-digit number (highest ${number - 1}): choose a wider serial width or a new prefix`);
        }
        const serial = prefix + String(number).padStart(width, "0");
        if (exists.get(serial) === undefined) serials.push(serial);
      }
      this.db
        .prepare("INSERT INTO serial_counters (prefix, last_number) VALUES (?, ?) ON CONFLICT (prefix) DO UPDATE SET last_number = excluded.last_number")
        .run(prefix, number);
      return serials;
    });
  }

  beginBatch(prefix: string, count: number, at: number = nowSeconds(), options: BatchOptions = {}): number {
    if (!Number.isInteger(count) || count < 1) throw new LedgerError(`a batch of ${count} tokens: give a whole number above 0`);
    return this.write(() =>
      Number(this.db.prepare("INSERT INTO batches (prefix, planned, created_at_ms, options) VALUES (?, ?, ?, ?)").run(prefix, count, toMs(at), JSON.stringify(options)).lastInsertRowid),
    );
  }

  /** Replaces what a batch remembers of its command (a resume that was given other options). */
  setBatchOptions(batchId: number, options: BatchOptions): void {
    this.write(() => {
      const changed = this.db.prepare("UPDATE batches SET options = ? WHERE id = ?").run(JSON.stringify(options), batchId).changes;
      if (changed === 0) throw new LedgerError(`batch ${batchId} is not in the ledger`);
    });
  }

  /**
   * Gives up an unfinished batch: no new token is started in it, and it no longer blocks a new
   * batch of its prefix. Its tokens keep their rows: a pending one is still finished by
   * \`provision\` on its chip, or released with \`ledger forget\`.
   */
  abandonBatch(batchId: number, at: number = nowSeconds()): BatchSummary {
    return this.write(() => {
      const row = this.db.prepare("SELECT * FROM batches WHERE id = ?").get(batchId) as BatchRow | undefined;
      if (!row) throw new LedgerError(`batch ${batchId} is not in the ledger (tokensmith ledger list shows the unfinished ones)`);
      if (row.finished_at_ms !== null) {
        throw new LedgerError(`batch ${batchId} is already ${row.abandoned_at_ms !== null ? "abandoned" : "finished"}: there is nothing to abandon`);
      }
      this.db.prepare("UPDATE batches SET finished_at_ms = ?, abandoned_at_ms = ? WHERE id = ?").run(toMs(at), toMs(at), batchId);
      return this.batchSummary(batchId);
    });
  }

  finishBatch(batchId: number, at: number = nowSeconds()): void {
    this.write(() => {
      const changed = this.db.prepare("UPDATE batches SET finished_at_ms = COALESCE(finished_at_ms, ?) WHERE id = ?").run(toMs(at), batchId).changes;
      if (changed === 0) throw new LedgerError(`batch ${batchId} is not in the ledger`);
    });
  }

  batchSummary(batchId: number): BatchSummary {
    const row = this.db.prepare("SELECT * FROM batches WHERE id = ?").get(batchId) as BatchRow | undefined;
    if (!row) throw new LedgerError(`batch ${batchId} is not in the ledger`);
    return this.summarise(row);
  }

  /** Batches not finished (finishBatch not called), oldest first: what a resume works through. */
  unfinishedBatches(): BatchSummary[] {
    const rows = this.db.prepare("SELECT * FROM batches WHERE finished_at_ms IS NULL ORDER BY id").all() as BatchRow[];
    return rows.map((row) => this.summarise(row));
  }

  private summarise(row: BatchRow): BatchSummary {
    const counts = { pending: 0, provisioned: 0, wiped: 0 };
    const states = this.db.prepare("SELECT state, COUNT(*) AS n FROM tokens WHERE batch_id = ? GROUP BY state").all(row.id) as Array<{ state: TokenState; n: number }>;
    for (const { state, n } of states) counts[state] = n;
    return {
      id: row.id,
      prefix: row.prefix,
      planned: row.planned,
      createdAt: row.created_at_ms / 1000,
      finishedAt: fromMs(row.finished_at_ms),
      ...counts,
      remaining: Math.max(0, row.planned - counts.provisioned - counts.pending),
      abandonedAt: fromMs(row.abandoned_at_ms),
      options: row.options === null ? null : (JSON.parse(row.options) as BatchOptions),
    };
  }

  // ---- tokens ----------------------------------------------------------------------------------

  /**
   * Records a token about to be provisioned (state 'pending'). A serial already in the ledger
   * throws LedgerError naming its batch.
   */
  recordPending(serial: string, batchId: number | null, profile: TokenProfile, options: PendingOptions = {}): void {
    checkSerial(serial);
    checkProfile(profile);
    this.write(() => {
      if (batchId !== null && this.db.prepare("SELECT 1 FROM batches WHERE id = ?").get(batchId) === undefined) {
        throw new LedgerError(`batch ${batchId} is not in the ledger`);
      }
      // The display shows serials in capitals: "ts-1" and "TS-1" would be two tokens that look alike.
      const alike = this.db.prepare("SELECT serial FROM tokens WHERE serial = ? COLLATE NOCASE AND serial <> ?").pluck().get(serial, serial) as string | undefined;
      if (alike !== undefined) {
        throw new LedgerError(`serial ${serial} differs from ${alike}, already in the ledger, only in letter case (the token's display shows capitals): serials are never reused; reserve a new one`);
      }
      const key = options.managementKey ? this.storedManagementKey(serial, options.managementKey) : null;
      try {
        this.db
          .prepare(
            `INSERT INTO tokens (serial, batch_id, label, kind, algorithm, digits, period, counter, state, pending_at_ms, management_key, management_key_sealed, token_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
          )
          .run(
            serial,
            batchId,
            profile.label,
            profile.kind,
            profile.algorithm,
            profile.digits,
            profile.period ?? 30,
            profile.counter ?? 0,
            toMs(options.at ?? nowSeconds()),
            key?.bytes ?? null,
            key?.sealed ? 1 : 0,
            options.tokenId ?? null,
          );
      } catch (error) {
        if (isSqliteError(error, "SQLITE_CONSTRAINT_UNIQUE")) throw this.duplicateSerial(serial);
        throw error;
      }
    });
  }

  private duplicateSerial(serial: string): LedgerError {
    const row = this.db.prepare("SELECT batch_id, state FROM tokens WHERE serial = ?").get(serial) as { batch_id: number | null; state: TokenState } | undefined;
    const where = row ? (row.batch_id === null ? `outside any batch, ${row.state}` : `batch ${row.batch_id}, ${row.state}`) : "just written by another process";
    return new LedgerError(`serial ${serial} is already in the ledger (${where}): serials are never reused; reserve a new one`);
  }

  private storedManagementKey(serial: string, managementKey: Uint8Array): { bytes: Buffer; sealed: boolean } {
    if (managementKey.length < 16 || managementKey.length > 64) throw new LedgerError(`${serial}: a management key of ${managementKey.length} bytes: expected 16 to 64`);
    if (!this.escrowConfigured()) return { bytes: Buffer.from(managementKey), sealed: false };
    const key = this.requireKey(`cannot record the management key of ${serial}`);
    return { bytes: sealWithKey(key, managementKey, mkeyAad(serial)), sealed: true };
  }

  /**
   * The token is done: chip id, firmware, management key and (optionally) the sealed seed, in
   * one transaction. Only a 'pending' token can become 'provisioned'.
   */
  recordProvisioned(serial: string, info: ProvisionedInfo): void {
    if (typeof info.tokenId !== "string" || info.tokenId.length === 0) throw new LedgerError(`${serial}: the chip id from HELLO is missing`);
    this.write(() => {
      const row = this.row(serial);
      if (row.state !== "pending") throw new LedgerError(`serial ${serial} is ${row.state}, not pending: it cannot be recorded as provisioned again`);
      const key = this.storedManagementKey(serial, info.managementKey);
      const escrow = info.escrowedSeed ? sealWithKey(this.requireKey(`cannot escrow the seed of ${serial}`), info.escrowedSeed, serial) : null;
      try {
        this.db
          .prepare(
            `UPDATE tokens SET state = 'provisioned', token_id = ?, firmware = ?, provisioned_at_ms = ?,
               management_key = ?, management_key_sealed = ?, escrow = ?
             WHERE serial = ? AND state = 'pending'`,
          )
          .run(info.tokenId, info.firmware, toMs(info.at ?? nowSeconds()), key.bytes, key.sealed ? 1 : 0, escrow, serial);
        const extras = info.extraProfiles ?? [];
        if (extras.length > MAX_TOKEN_PROFILES - 1) throw new LedgerError(`${serial}: ${extras.length + 1} profiles; a token holds at most ${MAX_TOKEN_PROFILES}`);
        this.db.prepare("DELETE FROM token_profiles WHERE serial = ?").run(serial);
        const insert = this.db.prepare("INSERT INTO token_profiles (serial, slot, label, kind, algorithm, digits, period, counter, escrow) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        extras.forEach(({ profile, escrowedSeed }, i) => {
          checkProfile(profile);
          const slot = i + 2;
          const sealed = escrowedSeed ? sealWithKey(this.requireKey(`cannot escrow profile ${slot}'s seed of ${serial}`), escrowedSeed, profileAad(serial, slot)) : null;
          insert.run(serial, slot, profile.label, profile.kind, profile.algorithm, profile.digits, profile.period ?? 30, profile.counter ?? 0, sealed);
        });
      } catch (error) {
        if (isSqliteError(error, "SQLITE_CONSTRAINT_UNIQUE")) {
          const other = this.db.prepare("SELECT serial FROM tokens WHERE token_id = ? AND state = 'provisioned'").pluck().get(info.tokenId) as string | undefined;
          throw new LedgerError(`chip ${info.tokenId} is already the provisioned token ${other ?? "?"} in the ledger: mark that one wiped first`);
        }
        throw error;
      }
    });
  }

  /** The token was wiped (or abandoned): its management key and escrowed seed are erased. */
  markWiped(serial: string, at: number = nowSeconds()): void {
    this.write(() => {
      const row = this.row(serial);
      if (row.state === "wiped") return;
      this.db
        .prepare("UPDATE tokens SET state = 'wiped', wiped_at_ms = ?, management_key = NULL, management_key_sealed = 0, escrow = NULL WHERE serial = ?")
        .run(toMs(at), serial);
      this.db.prepare("UPDATE token_profiles SET escrow = NULL WHERE serial = ?").run(serial);
    });
  }

  /**
   * Gives up on a token: marks it wiped (its management key and escrowed seed erased); its
   * serial is never reused. A pending token (broken, lost mid-batch) is forgotten as asked, so
   * its batch can finish with another; a provisioned one only with `force` (lost, or erased
   * outside tokensmith): without it, the key of a live token is kept and `tokensmith wipe` is
   * the way.
   */
  forget(serial: string, options: { force?: boolean } = {}, at: number = nowSeconds()): void {
    this.write(() => {
      const row = this.db.prepare("SELECT * FROM tokens WHERE serial = ?").get(serial) as TokenRow | undefined;
      if (!row) throw new LedgerError(`${serial} is not in ${this.path}`);
      if (row.state === "wiped") throw new LedgerError(`${serial} is already wiped`);
      if (row.state === "provisioned" && options.force !== true) {
        throw new LedgerError(`${serial} is provisioned: wipe the token with tokensmith wipe, or (if it is lost or was erased elsewhere) add --force`);
      }
      this.db
        .prepare("UPDATE tokens SET state = 'wiped', wiped_at_ms = ?, management_key = NULL, management_key_sealed = 0, escrow = NULL WHERE serial = ?")
        .run(toMs(at), serial);
      this.db.prepare("UPDATE token_profiles SET escrow = NULL WHERE serial = ?").run(serial);
    });
  }

  private row(serial: string): TokenRow {
    const row = this.db.prepare("SELECT * FROM tokens WHERE serial = ?").get(serial) as TokenRow | undefined;
    if (!row) throw new LedgerError(`serial ${serial} is not in the ledger`);
    return row;
  }

  getToken(serial: string): TokenRecord | null {
    const row = this.db.prepare("SELECT * FROM tokens WHERE serial = ?").get(serial) as TokenRow | undefined;
    return row ? toRecord(row) : null;
  }

  listTokens(filter: { batchId?: number; state?: TokenState } = {}): TokenRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.batchId !== undefined) {
      where.push("batch_id = ?");
      args.push(filter.batchId);
    }
    if (filter.state !== undefined) {
      where.push("state = ?");
      args.push(filter.state);
    }
    const sql = "SELECT * FROM tokens" + (where.length ? " WHERE " + where.join(" AND ") : "") + " ORDER BY id";
    return (this.db.prepare(sql).all(...args) as TokenRow[]).map(toRecord);
  }

  /** The token's management key (opens the escrow when it is sealed), or null after a wipe. */
  managementKey(serial: string): Uint8Array | null {
    const row = this.row(serial);
    if (row.management_key === null) return null;
    if (!row.management_key_sealed) return new Uint8Array(row.management_key);
    return openWithKey(this.requireKey(`cannot read the management key of ${serial}`), row.management_key, mkeyAad(serial));
  }

  /** The escrowed seed (needs unlockEscrow), or null when the seed was not escrowed. */
  escrowedSeed(serial: string): Uint8Array | null {
    const row = this.row(serial);
    if (row.escrow === null) return null;
    return openWithKey(this.requireKey(`cannot read the escrowed seed of ${serial}`), row.escrow, serial);
  }

  /**
   * The provisioned tokens (of one batch, or all) with their escrowed seeds, in serial order, a
   * page of at most `pageRows` at a time: an export of 100,000 tokens never holds every row nor
   * every seed, and the database is not held between pages. `secret` is null for a token
   * provisioned without escrow; the caller should zero each secret when done with it. Needs the
   * escrow unlocked when a selected row has a seed; a blob that does not open stops the scan
   * (EscrowError) at its page.
   */
  *provisionedSeedPages(filter: { batchId?: number } = {}, pageRows = SEED_PAGE_ROWS): Generator<ProvisionedSeed[]> {
    // Pages by serial (keyset): each page starts in the serial index after the last serial of the
    // one before. "+state" and "+batch_id" keep SQLite on that index instead of the state or batch
    // index, which would sort the whole selection again for every page.
    const statement = this.db
      .prepare(
        "SELECT serial, label, kind, algorithm, digits, period, counter, escrow FROM tokens WHERE +state = 'provisioned'" +
          (filter.batchId !== undefined ? " AND +batch_id = ?" : "") +
          " AND serial > ? ORDER BY serial LIMIT ?",
      )
      .raw();
    let open: ((blob: Uint8Array, aad: string) => Uint8Array) | null = null;
    // One pass over the rows gains nothing from better-sqlite3's 16 MiB page cache, and filling it
    // was a fifth of an export's peak memory: a small cache for the scan, the usual one after.
    const cacheSize = this.db.pragma("cache_size", { simple: true }) as number;
    this.db.pragma(`cache_size = ${SCAN_CACHE_SIZE}`);
    try {
      let after = "";
      for (;;) {
        const rows = (filter.batchId !== undefined ? statement.all(filter.batchId, after, pageRows) : statement.all(after, pageRows)) as SeedRow[];
        if (rows.length === 0) return;
        after = rows[rows.length - 1]![0];
        const page: ProvisionedSeed[] = [];
        try {
          for (const [serial, label, kind, algorithm, digits, period, counter, escrow] of rows) {
            const secret = escrow === null ? null : (open ??= escrowOpener(this.escrowKey ?? this.requireKey(`cannot read the escrowed seed of ${serial}`)))(escrow, serial);
            page.push({ serial, label, kind, algorithm, digits, period, counter, secret });
          }
        } catch (error) {
          for (const row of page) row.secret?.fill(0);
          throw error;
        }
        yield page;
      }
    } finally {
      this.db.pragma(`cache_size = ${Math.trunc(cacheSize)}`);
    }
  }

  /** How many provisioned tokens a selection holds, per kind and digits, and how many lack an escrowed seed. */
  provisionedProfiles(filter: { batchId?: number } = {}): Array<{ kind: TokenKind; digits: number; count: number; withoutSeed: number }> {
    const sql =
      "SELECT kind, digits, COUNT(*) AS count, SUM(escrow IS NULL) AS withoutSeed FROM tokens INDEXED BY tokens_profiles WHERE state = 'provisioned'" +
      (filter.batchId !== undefined ? " AND batch_id = ?" : "") +
      " GROUP BY kind, digits ORDER BY kind, digits";
    const statement = this.db.prepare(sql);
    return (filter.batchId !== undefined ? statement.all(filter.batchId) : statement.all()) as Array<{ kind: TokenKind; digits: number; count: number; withoutSeed: number }>;
  }

  /** A token's profiles after its first (slots 2 to 8), without their seeds. */
  extraProfiles(serial: string): Array<TokenProfile & { slot: number; hasEscrowedSeed: boolean }> {
    const rows = this.db.prepare("SELECT slot, label, kind, algorithm, digits, period, counter, escrow IS NOT NULL AS sealed FROM token_profiles WHERE serial = ? ORDER BY slot").all(serial) as Array<{
      slot: number;
      label: string;
      kind: TokenKind;
      algorithm: TokenAlgorithm;
      digits: number;
      period: number;
      counter: number;
      sealed: number;
    }>;
    return rows.map((r) => ({ slot: r.slot, label: r.label, kind: r.kind, algorithm: r.algorithm, digits: r.digits, period: r.period, counter: r.counter, hasEscrowedSeed: r.sealed === 1 }));
  }

  /** The escrowed seed of a token's profile in `slot` (2 to 8; needs unlockEscrow), or null. */
  escrowedProfileSeed(serial: string, slot: number): Uint8Array | null {
    const blob = this.db.prepare("SELECT escrow FROM token_profiles WHERE serial = ? AND slot = ?").pluck().get(serial, slot) as Buffer | null | undefined;
    if (blob === undefined || blob === null) return null;
    return openWithKey(this.requireKey(`cannot read profile ${slot}'s seed of ${serial}`), blob, profileAad(serial, slot));
  }

  // ---- clock -----------------------------------------------------------------------------------

  /**
   * Records a clock sync: call it after the token accepted TIME SET (its clock is the host's
   * from then on). `offsetSeconds` is token minus host as found before the sync (null when the
   * token's clock was lost); `at` is Unix seconds, UTC.
   */
  recordClockSync(serial: string, offsetSeconds: number | null, authorised: boolean, at: number = nowSeconds()): ClockSync {
    if (offsetSeconds !== null && !Number.isFinite(offsetSeconds)) throw new LedgerError(`${serial}: clock offset ${offsetSeconds} is not a number`);
    return this.write(() => {
      this.row(serial);
      const last = this.db.prepare("SELECT MAX(at_ms) FROM clock_syncs WHERE serial = ?").pluck().get(serial) as number | null;
      const atMs = toMs(at);
      if (last !== null && atMs < last) {
        throw new LedgerError(`${serial}: a sync at ${new Date(atMs).toISOString()} is before the last recorded one (${new Date(last).toISOString()}): is the host clock right?`);
      }
      const since = last === null ? null : (atMs - last) / 1000;
      this.db
        .prepare("INSERT INTO clock_syncs (serial, at_ms, offset_seconds, seconds_since_last_sync, authorised) VALUES (?, ?, ?, ?, ?)")
        .run(serial, atMs, offsetSeconds, since, authorised ? 1 : 0);
      return { serial, at: atMs / 1000, offsetSeconds, secondsSinceLastSync: since, authorised };
    });
  }

  clockSyncs(serial: string): ClockSync[] {
    const rows = this.db.prepare("SELECT * FROM clock_syncs WHERE serial = ? ORDER BY at_ms, id").all(serial) as SyncRow[];
    return rows.map((r) => ({ serial: r.serial, at: r.at_ms / 1000, offsetSeconds: r.offset_seconds, secondsSinceLastSync: r.seconds_since_last_sync, authorised: r.authorised === 1 }));
  }

  /**
   * The token's clock drift in ppm (positive: the token runs fast), or null with fewer than two
   * syncs. Each sync sets the token's clock to the host's, so the offset found at a sync is the
   * drift accumulated since the previous one; the rate is the sum of those offsets over the sum
   * of the intervals (a time-weighted mean of each interval's rate), times 1e6. An interval
   * whose offset is unknown (clock lost) is left out.
   */
  driftPpm(serial: string): number | null {
    const syncs = this.clockSyncs(serial);
    if (syncs.length < 2) return null;
    let drift = 0;
    let elapsed = 0;
    for (const sync of syncs.slice(1)) {
      if (sync.offsetSeconds === null || sync.secondsSinceLastSync === null || sync.secondsSinceLastSync <= 0) continue;
      drift += sync.offsetSeconds;
      elapsed += sync.secondsSinceLastSync;
    }
    return elapsed > 0 ? (drift / elapsed) * 1e6 : null;
  }

  // ---- service credentials -----------------------------------------------------------------------

  /**
   * Seals a service credential (a Duo secret key) in the escrow under `name`, replacing any
   * before it. Needs the escrow unlocked; the AAD is the meta key, so a blob moved to another
   * name does not open.
   */
  storeCredential(name: string, secret: string): void {
    const key = this.requireKey(`cannot keep the ${name} credential`);
    const metaKey = CREDENTIAL_PREFIX + name;
    this.write(() => {
      this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(metaKey, sealWithKey(key, Buffer.from(secret, "utf8"), metaKey));
    });
  }

  /** Whether a credential is kept under `name` (without opening it). */
  hasCredential(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM meta WHERE key = ?").pluck().get(CREDENTIAL_PREFIX + name) !== undefined;
  }

  /** The credential kept under `name` (needs the escrow unlocked), or null. */
  credential(name: string): string | null {
    const metaKey = CREDENTIAL_PREFIX + name;
    const blob = this.db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(metaKey) as Buffer | undefined;
    if (blob === undefined) return null;
    return Buffer.from(openWithKey(this.requireKey(`cannot read the ${name} credential`), blob, metaKey)).toString("utf8");
  }

  // ---- identity services -------------------------------------------------------------------------

  /** Records that a token now exists in a service (or refreshes its id there). */
  recordServiceToken(entry: { serial: string; service: IdentityService; account: string; remoteId: string; at?: number }): void {
    const atMs = toMs(entry.at ?? nowSeconds());
    this.write(() => {
      this.row(entry.serial);
      this.db
        .prepare(
          `INSERT INTO service_tokens (serial, service, account, remote_id, pushed_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (serial, service, account) DO UPDATE SET remote_id = excluded.remote_id, pushed_at_ms = excluded.pushed_at_ms,
             assigned_to = CASE WHEN remote_id = excluded.remote_id THEN assigned_to END,
             assigned_at_ms = CASE WHEN remote_id = excluded.remote_id THEN assigned_at_ms END,
             activated_at_ms = CASE WHEN remote_id = excluded.remote_id THEN activated_at_ms END`,
        )
        .run(entry.serial, entry.service, entry.account, entry.remoteId, atMs);
    });
  }

  /** Records the user a pushed token was attached to. */
  recordServiceAssignment(serial: string, service: IdentityService, account: string, assignedTo: string, at: number = nowSeconds()): void {
    this.write(() => {
      const changed = this.db.prepare("UPDATE service_tokens SET assigned_to = ?, assigned_at_ms = ? WHERE serial = ? AND service = ? AND account = ?").run(assignedTo, toMs(at), serial, service, account).changes;
      if (changed === 0) throw new LedgerError(`${serial} is not recorded as pushed to ${service} (${account})`);
    });
  }

  /** Records that a pushed token was activated (Entra: a verification code was accepted). */
  recordServiceActivation(serial: string, service: IdentityService, account: string, at: number = nowSeconds()): void {
    this.write(() => {
      const changed = this.db.prepare("UPDATE service_tokens SET activated_at_ms = ? WHERE serial = ? AND service = ? AND account = ?").run(toMs(at), serial, service, account).changes;
      if (changed === 0) throw new LedgerError(`${serial} is not recorded as pushed to ${service} (${account})`);
    });
  }

  /** What the ledger knows of tokens in `service` (one account, or all), by serial. */
  serviceTokens(service: IdentityService, account?: string): Map<string, ServiceTokenRecord> {
    const rows = (
      account === undefined
        ? this.db.prepare("SELECT * FROM service_tokens WHERE service = ? ORDER BY serial").all(service)
        : this.db.prepare("SELECT * FROM service_tokens WHERE service = ? AND account = ? ORDER BY serial").all(service, account)
    ) as Array<{ serial: string; service: IdentityService; account: string; remote_id: string; pushed_at_ms: number; assigned_to: string | null; assigned_at_ms: number | null; activated_at_ms: number | null }>;
    const found = new Map<string, ServiceTokenRecord>();
    for (const r of rows) {
      found.set(r.serial, {
        serial: r.serial,
        service: r.service,
        account: r.account,
        remoteId: r.remote_id,
        pushedAt: r.pushed_at_ms / 1000,
        assignedTo: r.assigned_to,
        assignedAt: fromMs(r.assigned_at_ms),
        activatedAt: fromMs(r.activated_at_ms),
      });
    }
    return found;
  }

  // ---- exports ---------------------------------------------------------------------------------

  recordExport(entry: { format: string; path: string; serials: readonly string[]; at?: number }): ExportRecord {
    const serialsSha256 = hashSerials(entry.serials);
    const atMs = toMs(entry.at ?? nowSeconds());
    return this.write(() => {
      const id = Number(
        this.db
          .prepare("INSERT INTO exports (at_ms, format, path, token_count, serials_sha256) VALUES (?, ?, ?, ?, ?)")
          .run(atMs, entry.format, entry.path, entry.serials.length, serialsSha256).lastInsertRowid,
      );
      return { id, at: atMs / 1000, format: entry.format, path: entry.path, tokenCount: entry.serials.length, serialsSha256 };
    });
  }

  listExports(): ExportRecord[] {
    const rows = this.db.prepare("SELECT * FROM exports ORDER BY id").all() as Array<{ id: number; at_ms: number; format: string; path: string; token_count: number; serials_sha256: string }>;
    return rows.map((r) => ({ id: r.id, at: r.at_ms / 1000, format: r.format, path: r.path, tokenCount: r.token_count, serialsSha256: r.serials_sha256 }));
  }
}

/** SHA-256 (hex) of the serials, sorted, joined by "\n": the same set gives the same hash. */
export function hashSerials(serials: readonly string[]): string {
  return createHash("sha256").update([...serials].sort().join("\n"), "utf8").digest("hex");
}

function checkSerial(serial: string): void {
  if (typeof serial !== "string" || !isSerial(serial)) {
    throw new LedgerError(`serial ${JSON.stringify(serial)}: a token's serial is 1 to ${MAX_SERIAL_LENGTH} of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
  }
}

function checkProfile(profile: TokenProfile): void {
  if (profile.kind !== "totp" && profile.kind !== "hotp") throw new LedgerError(`token kind ${String(profile.kind)}: use totp or hotp`);
  if (profile.algorithm !== "SHA1" && profile.algorithm !== "SHA256") throw new LedgerError(`algorithm ${String(profile.algorithm)}: use SHA1 or SHA256`);
  if (![6, 7, 8].includes(profile.digits)) throw new LedgerError(`${profile.digits} digits: use 6, 7 or 8`);
  if (profile.period !== undefined && !(Number.isInteger(profile.period) && profile.period > 0)) throw new LedgerError(`period ${profile.period}: use whole seconds above 0`);
  if (profile.counter !== undefined && !(Number.isSafeInteger(profile.counter) && profile.counter >= 0)) throw new LedgerError(`counter ${profile.counter}: use a whole number from 0`);
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    serial: row.serial,
    batchId: row.batch_id,
    label: row.label,
    kind: row.kind,
    algorithm: row.algorithm,
    digits: row.digits,
    period: row.period,
    counter: row.counter,
    tokenId: row.token_id,
    firmware: row.firmware,
    state: row.state,
    pendingAt: row.pending_at_ms / 1000,
    provisionedAt: fromMs(row.provisioned_at_ms),
    wipedAt: fromMs(row.wiped_at_ms),
    hasManagementKey: row.management_key !== null,
    managementKeySealed: row.management_key_sealed === 1,
    hasEscrowedSeed: row.escrow !== null,
  };
}

/** Opens (creating if needed: directory 0700, file 0600) and migrates the ledger at `file`. */
export function openLedger(file: string, options: LedgerOptions = {}): Ledger {
  return new Ledger(file, options);
}
