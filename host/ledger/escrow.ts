/**
 * The seed escrow: seeds (and management keys) sealed under a passphrase, so that the ledger
 * never holds a secret in plaintext and a later export can still read the seeds.
 *
 *   key  = scrypt(passphrase NFC, salt 16 bytes, N = 2^15, r = 8, p = 1) -> 32 bytes
 *   blob = version (1) | log2 N | r | p | salt (16) | iv (12) | tag (16) | ciphertext
 *   AES-256-GCM, a fresh random IV per blob, AAD = the 4 header bytes | the caller's AAD
 *   (the token's serial), so a blob copied onto another token's row does not open.
 *
 * The scrypt cost travels in the blob (bytes 1-3) so that it can be raised later without
 * making old blobs unreadable; a blob asking for an absurd cost is refused before any work.
 * Cost: N = 2^15, r = 8 needs 32 MiB and measured 110-170 ms (median 133 ms) on this 2-core
 * machine (2026-11). Derivation happens once per (passphrase, salt, cost): a ledger uses one
 * salt for every blob it writes and the derived key is cached in memory, so a batch of 500
 * tokens runs scrypt once, not 500 times.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from "node:crypto";
import { EscrowError } from "../errors.js";
export { EscrowError };

/** scrypt parameters: N = 2^logN. */
export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ logN: 15, r: 8, p: 1 });

/** The environment variable a non-interactive run takes the passphrase from. */
export const ESCROW_PASSPHRASE_ENV = "TOKENSMITH_ESCROW_PASSPHRASE";

export const ESCROW_FORMAT_VERSION = 1;
const HEADER_BYTES = 4;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MIN_BLOB_BYTES = HEADER_BYTES + SALT_BYTES + IV_BYTES + TAG_BYTES;

/** Upper bounds a blob may ask for (1 GiB of scrypt memory at most): refuse, don't hang. */
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

const ALTERED = "wrong passphrase or the escrow was altered";

/** A derived key, with the salt and cost it came from (written into every blob it seals). */
export interface EscrowKey {
  readonly salt: Buffer;
  readonly cost: Readonly<ScryptCost>;
  /** @internal the AES-256 key; never log it. */
  readonly key: Buffer;
}

export interface SealOptions {
  /** scrypt cost for a new salt; tests use a low one. Default DEFAULT_SCRYPT_COST. */
  cost?: ScryptCost;
  /** Reuse this salt (16 bytes) instead of a fresh one, so the cached key is reused. */
  salt?: Uint8Array;
}

function checkCost(cost: ScryptCost): void {
  const { logN, r, p } = cost;
  const ok =
    Number.isInteger(logN) && logN >= 1 && logN <= MAX_LOG_N &&
    Number.isInteger(r) && r >= 1 && r <= MAX_R &&
    Number.isInteger(p) && p >= 1 && p <= MAX_P &&
    scryptMemory(cost) <= MAX_SCRYPT_MEMORY;
  if (!ok) throw new EscrowError(`scrypt cost out of range (log2 N ${logN}, r ${r}, p ${p})`);
}

/** What OpenSSL allocates for scrypt: 128 r (N + p + 2) bytes. */
const scryptMemory = ({ logN, r, p }: ScryptCost) => 128 * r * (2 ** logN + p + 2);

function checkPassphrase(passphrase: string): string {
  if (typeof passphrase !== "string" || passphrase.length === 0) throw new EscrowError("the escrow passphrase is empty");
  // The same passphrase typed on macOS (NFD input methods) and elsewhere must give one key.
  return passphrase.normalize("NFC");
}

// ---- key derivation, cached --------------------------------------------------------------

const CACHE_LIMIT = 8;
const keyCache = new Map<string, EscrowKey>();

/**
 * scrypt once per (passphrase, salt, cost); later calls with the same three return the cached
 * key. The cache is indexed by a SHA-256 of the three, not by the passphrase itself.
 */
export function deriveEscrowKey(passphrase: string, salt: Uint8Array, cost: ScryptCost = DEFAULT_SCRYPT_COST): EscrowKey {
  const normalized = checkPassphrase(passphrase);
  checkCost(cost);
  if (salt.length !== SALT_BYTES) throw new EscrowError(`the escrow salt must be ${SALT_BYTES} bytes`);
  const id = createHash("sha256")
    .update(Buffer.from([cost.logN, cost.r, cost.p]))
    .update(salt)
    .update(normalized, "utf8")
    .digest("hex");
  const cached = keyCache.get(id);
  if (cached) return cached;
  const key = scryptSync(normalized, salt, KEY_BYTES, {
    N: 2 ** cost.logN,
    r: cost.r,
    p: cost.p,
    maxmem: scryptMemory(cost) + 1024 * 1024,
  });
  const entry: EscrowKey = Object.freeze({ salt: Buffer.from(salt), cost: Object.freeze({ ...cost }), key });
  if (keyCache.size >= CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(id, entry);
  return entry;
}

/**
 * Forgets every cached key (e.g. when a long-running process is done with the escrow). Keys
 * already handed out (an unlocked ledger's) stay valid: they are not zeroed under its feet.
 */
export function clearEscrowKeyCache(): void {
  keyCache.clear();
}

/** A fresh random salt for a new escrow. */
export function newEscrowSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

// ---- blobs ---------------------------------------------------------------------------------

interface ParsedBlob {
  header: Buffer;
  cost: ScryptCost;
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseBlob(blob: Uint8Array): ParsedBlob {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < MIN_BLOB_BYTES) throw new EscrowError(ALTERED + " (the blob is too short)");
  if (bytes[0] !== ESCROW_FORMAT_VERSION) {
    throw new EscrowError(`the escrow blob has format version ${bytes[0]}; this tokensmith reads version ${ESCROW_FORMAT_VERSION}: ${ALTERED}, or it was written by a newer tokensmith`);
  }
  const cost = { logN: bytes[1], r: bytes[2], p: bytes[3] };
  try {
    checkCost(cost);
  } catch {
    throw new EscrowError(ALTERED + " (impossible scrypt cost in the blob)");
  }
  let at = HEADER_BYTES;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const header = bytes.subarray(0, HEADER_BYTES);
  const salt = take(SALT_BYTES);
  const iv = take(IV_BYTES);
  const tag = take(TAG_BYTES);
  return { header, cost, salt, iv, tag, ciphertext: bytes.subarray(at) };
}

/** header | aad in one allocation (this runs once per seed of an export: 100,000 times). */
function aadBytes(header: Uint8Array, aad: string): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(aad, "utf8"));
  bytes.set(header, 0);
  bytes.write(aad, HEADER_BYTES, "utf8");
  return bytes;
}

/** The 4 header bytes of every blob sealed under `cost`. */
const headerOf = (cost: Readonly<ScryptCost>) => Buffer.from([ESCROW_FORMAT_VERSION, cost.logN, cost.r, cost.p]);

/** Seals with an already derived key (the ledger's path: one key for the whole batch). */
export function sealWithKey(escrowKey: EscrowKey, plaintext: Uint8Array, aad = ""): Buffer {
  const header = headerOf(escrowKey.cost);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", escrowKey.key, iv);
  cipher.setAAD(aadBytes(header, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return Buffer.concat([header, escrowKey.salt, iv, tag, ciphertext]);
}

/**
 * Opens with an already derived key. A blob sealed under another salt or cost than the key's
 * is refused (it would need its own derivation: use openSeed with the passphrase).
 */
export function openWithKey(escrowKey: EscrowKey, blob: Uint8Array, aad = ""): Uint8Array {
  const parsed = parseBlob(blob);
  const { cost } = parsed;
  if (!parsed.salt.equals(escrowKey.salt) || cost.logN !== escrowKey.cost.logN || cost.r !== escrowKey.cost.r || cost.p !== escrowKey.cost.p) {
    throw new EscrowError(ALTERED + " (the blob was sealed under another escrow salt)");
  }
  return decrypt(escrowKey.key, parsed, aad);
}

/**
 * openWithKey for many blobs under one key (an export opens every seed of the ledger): the
 * header and salt every blob of this key starts with are compared as 20 bytes at once instead of
 * parsed blob by blob. A blob that does not start with them goes through openWithKey, which
 * refuses it with the precise reason.
 */
export function escrowOpener(escrowKey: EscrowKey): (blob: Uint8Array, aad: string) => Uint8Array {
  const header = headerOf(escrowKey.cost);
  const prefix = Buffer.concat([header, escrowKey.salt]);
  const ivAt = prefix.length;
  const tagAt = ivAt + IV_BYTES;
  const ciphertextAt = tagAt + TAG_BYTES;
  return (blob, aad) => {
    const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (bytes.length < ciphertextAt || prefix.compare(bytes, 0, ivAt) !== 0) return openWithKey(escrowKey, blob, aad);
    return decrypt(escrowKey.key, { header, cost: escrowKey.cost, salt: escrowKey.salt, iv: bytes.subarray(ivAt, tagAt), tag: bytes.subarray(tagAt, ciphertextAt), ciphertext: bytes.subarray(ciphertextAt) }, aad);
  };
}

function decrypt(key: Buffer, parsed: ParsedBlob, aad: string): Uint8Array {
  let plaintext: Buffer | undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadBytes(parsed.header, aad));
    decipher.setAuthTag(parsed.tag);
    // GCM is a stream mode: update() returns every plaintext byte and final() only checks the
    // tag (throwing when it does not match), so nothing is concatenated.
    plaintext = decipher.update(parsed.ciphertext);
    decipher.final();
    return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  } catch {
    plaintext?.fill(0); // bytes the tag did not vouch for
    throw new EscrowError(ALTERED);
  }
}

/**
 * Seals a seed under a passphrase. `aad` binds the blob to its owner (the token's serial):
 * opening it with another AAD fails like a wrong passphrase. Pass `options.salt` to reuse a
 * salt (and so the cached key) across many seeds.
 */
export function sealSeed(seed: Uint8Array, passphrase: string, aad = "", options: SealOptions = {}): Buffer {
  const key = deriveEscrowKey(passphrase, options.salt ?? newEscrowSalt(), options.cost ?? DEFAULT_SCRYPT_COST);
  return sealWithKey(key, seed, aad);
}

/** Opens a blob from sealSeed. Throws EscrowError "wrong passphrase or the escrow was altered". */
export function openSeed(blob: Uint8Array, passphrase: string, aad = ""): Uint8Array {
  const parsed = parseBlob(blob);
  const key = deriveEscrowKey(passphrase, parsed.salt, parsed.cost);
  return decrypt(key.key, parsed, aad);
}

/** The salt and cost a blob was sealed with (no secret involved). */
export function blobKeyParameters(blob: Uint8Array): { salt: Buffer; cost: ScryptCost } {
  const { salt, cost } = parseBlob(blob);
  return { salt: Buffer.from(salt), cost };
}

/**
 * The escrow passphrase from TOKENSMITH_ESCROW_PASSPHRASE, or undefined when unset or empty.
 * The value is never logged; callers must not print it either.
 */
export function escrowPassphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ESCROW_PASSPHRASE_ENV];
  return value === undefined || value === "" ? undefined : value;
}
