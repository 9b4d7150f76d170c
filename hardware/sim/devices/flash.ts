/**
 * Espruino's Storage (require("Storage")) over a byte-counted flash model, with power-cut
 * injection and a file snapshot.
 *
 * Semantics follow Espruino's source (src/jsflash.c jsfWriteFile/_jsfCreateFile, 2v2x), not
 * only its documentation:
 * - Storage is a log: each file is a 32-byte header (size word + 28-byte name) and its data
 *   padded to 4 bytes. Erasing a file programs 4 zero bytes over the start of its name: it
 *   becomes trash, still occupying space until a compaction.
 * - write(name, data) (offset 0/undefined, size undefined): if the file already holds exactly
 *   these bytes, nothing is written. Otherwise the old copy is erased FIRST, then a new header
 *   is written and the data programmed byte by byte.
 * - write(name, data, 0, size) creates a file of `size` bytes (unwritten bytes read 0xFF) and
 *   writes `data` at its start; write(name, chunk, offset) with offset > 0 programs bytes inside
 *   an existing file. Those bytes must still be 0xFF ("File already written with different
 *   data"), and must fit ("Too much data for file size"). An offset write to a missing file
 *   fails ("Unable to find or create file"). An offset-0 write to an existing file of the same
 *   size whose bytes are all still 0xFF programs it in place (no new header).
 * - When a new file does not fit after the end of the log, Espruino compacts (drops trash)
 *   if that would make room, else throws Error("Unable to find or create file") (the write's
 *   documented `false` return never reaches JavaScript: the exception does). Because the old
 *   copy was already erased, a replacement that does not fit LOSES the old file. A new file
 *   that does not fit changes nothing.
 * - getFree() is the space after the end of the log (trash is not free until compacted).
 * - Names: Espruino copies at most 28 characters of a name (jsfNameFromVar, jsvGetString) and
 *   silently drops the rest, so "a"*29 and "a"*28 are the same file. Modelled the same way;
 *   `strictNames: true` throws instead (to catch firmware relying on it). Empty names throw.
 * - Errors Espruino raises (JSET_ERROR) are thrown as StorageError (an Error) with its message.
 *
 * Power cuts: armPowerCut(k) lets exactly k more bytes be programmed (over any number of calls),
 * then the operation that needs the next byte stops and throws PowerCutError. The model is then
 * disarmed and wasCut() is true: the power is gone, so any further programming throws
 * PowerCutError without effect until disarmIfCut() (the next boot). Byte accounting, in
 * program order:
 *   erase marker (replacing or erasing a file) 4 bytes: any of it programmed -> the old file is
 *                                      gone (a cut before its first byte leaves it intact)
 *   new header                     32 bytes: a file exists only once all 32 are programmed; a
 *                                      partial header is trash (invisible, occupying its space)
 *   data                           1 byte each: the file exists with its declared size; bytes
 *                                      not yet programmed read 0xFF
 *   compaction                     the live files after the first trash are erased, then written
 *                                      back in order (header, then data, counted as above): a
 *                                      cut loses every file not yet written back (Espruino's
 *                                      jsfCompact rewrites them from a RAM copy). bytesCompacted
 *                                      counts what it moved.
 * bytesWrittenTotal counts every programmed byte (markers, headers, data); writeCalls every
 * write() call.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export const HEADER_BYTES = 32;
export const ERASE_MARK_BYTES = 4;
export const ALIGNMENT = 4;
export const MAX_NAME_LENGTH = 28;

export class PowerCutError extends Error {
  constructor(readonly operation: string) {
    super(`power cut during ${operation}`);
    this.name = "PowerCutError";
  }
}

/** An error Espruino's Storage itself raises (thrown to JavaScript as an Error). */
export class StorageError extends Error {}

export interface SimFlashOptions {
  /** Size of the Storage area. Default 64 KiB. */
  capacityBytes?: number;
  /** Where save() writes the snapshot. */
  file?: string;
  /** Throw on names over 28 characters instead of truncating them as Espruino does. */
  strictNames?: boolean;
}

interface Entry {
  name: string;
  size: number;
  data: Uint8Array;
  live: boolean;
}

interface Snapshot {
  format: "tokensmith-simflash";
  version: 1;
  capacityBytes: number;
  /** The chip id of the board this flash belongs to (absent in snapshots of older simulators). */
  chipId?: string;
  entries: Array<{ name: string; size: number; live: boolean; data: string }>;
}

export interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

const footprint = (size: number) => HEADER_BYTES + Math.ceil(size / ALIGNMENT) * ALIGNMENT;

const toBytes = (data: string | Uint8Array): Uint8Array => {
  if (typeof data !== "string") return Uint8Array.from(data);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`Storage data must be a byte string: character ${c} at ${i}`);
    out[i] = c;
  }
  return out;
};

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

export class SimFlash {
  readonly capacityBytes: number;
  file: string | undefined;
  /** Bytes programmed (erase markers, headers, data) since construction or load. */
  bytesWrittenTotal = 0;
  /** write() calls since construction or load. */
  writeCalls = 0;
  /**
   * The chip id of the board this flash is soldered to: a snapshot keeps it, so a simulated
   * token kept in a file is the same board (the same HELLO id) from run to run.
   */
  chipId: string | undefined;
  /** Compactions run, and bytes they moved. */
  compactions = 0;
  bytesCompacted = 0;

  private readonly strictNames: boolean;
  private entries: Entry[] = [];
  private budget: number | undefined;
  private cutFired = false;

  constructor(options: SimFlashOptions = {}) {
    this.capacityBytes = options.capacityBytes ?? 64 * 1024;
    if (!Number.isInteger(this.capacityBytes) || this.capacityBytes < footprint(ALIGNMENT)) {
      throw new RangeError(`SimFlash: capacity ${this.capacityBytes} is too small`);
    }
    this.file = options.file;
    this.strictNames = options.strictNames ?? false;
  }

  // ---- Storage API --------------------------------------------------------------------

  /** The file's bytes as a latin1 byte string, or undefined when there is no such file. */
  read(name: string): string | undefined {
    const e = this.find(this.normalise(name));
    return e === undefined ? undefined : latin1(e.data);
  }

  /** The file's bytes (a copy), or undefined. */
  readBytes(name: string): Uint8Array | undefined {
    const e = this.find(this.normalise(name));
    return e === undefined ? undefined : Uint8Array.from(e.data);
  }

  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean {
    this.writeCalls++;
    const key = this.normalise(name);
    const bytes = toBytes(data);
    const off = offset === undefined || Number.isNaN(offset) ? 0 : Math.trunc(offset);
    const requested = size === undefined || Number.isNaN(size) ? 0 : Math.trunc(size);
    if (off < 0 || requested < 0) return false;
    const fileSize = requested === 0 ? bytes.length : requested;
    if (fileSize === 0) throw new StorageError("Can't create zero length file");

    let entry = this.find(key);
    if (off === 0 && (entry === undefined || entry.size !== fileSize || !isErased(entry.data, 0, fileSize))) {
      if (entry !== undefined && entry.size === fileSize && bytes.length === fileSize && equal(entry.data, bytes)) {
        return true; // identical: Espruino writes nothing
      }
      if (entry !== undefined) this.markErased(entry, `replacing "${key}"`);
      entry = this.create(key, fileSize);
    }
    if (entry === undefined) throw new StorageError("Unable to find or create file");
    if (off + bytes.length > entry.size) throw new StorageError("Too much data for file size");
    if (!isErased(entry.data, off, bytes.length)) throw new StorageError("File already written with different data");
    const allowed = this.spend(bytes.length);
    entry.data.set(bytes.subarray(0, allowed), off);
    if (allowed < bytes.length) this.cut(`data of "${key}" (${allowed} of ${bytes.length} bytes)`);
    return true;
  }

  erase(name: string): void {
    const entry = this.find(this.normalise(name));
    if (entry !== undefined) this.markErased(entry, `erasing "${entry.name}"`);
  }

  /** Live file names, in storage order. */
  list(): string[] {
    return this.entries.filter((e) => e.live).map((e) => e.name);
  }

  /** Bytes free after the end of the log (what Espruino's getFree reports). */
  getFree(): number {
    return this.capacityBytes - this.used();
  }

  getStats(): StorageStats {
    const live = this.entries.filter((e) => e.live);
    const trash = this.entries.filter((e) => !e.live);
    const sum = (list: Entry[]) => list.reduce((n, e) => n + footprint(e.size), 0);
    return {
      totalBytes: this.capacityBytes,
      freeBytes: this.getFree(),
      fileBytes: sum(live),
      fileCount: live.length,
      trashBytes: sum(trash),
      trashCount: trash.length,
    };
  }

  /**
   * Every byte still programmed in flash, erased files included, as a flash dump with
   * esptool would show them: Espruino's erase only marks a file deleted until compaction.
   */
  rawImage(): Uint8Array {
    return Buffer.concat(this.entries.map((e) => Buffer.from(e.data)));
  }

  /** Drops trash (Storage.compact()), with power cuts inside it (see above). */
  compact(): void {
    const first = this.entries.findIndex((e) => !e.live);
    if (first < 0) return;
    if (this.cutFired) throw new PowerCutError("compacting while the power is off");
    this.compactions++;
    // As Espruino does it (jsfCompact): the live files after the first trash are copied to RAM,
    // their pages erased, and the files written back one by one. Power lost in between loses
    // every file not yet written back; the one being written is torn like any other write.
    const moving = this.entries.slice(first).filter((e) => e.live);
    this.entries = this.entries.slice(0, first);
    for (const e of moving) {
      const header = this.spend(HEADER_BYTES);
      const copy: Entry = { name: e.name, size: e.size, data: new Uint8Array(e.size).fill(0xff), live: header === HEADER_BYTES };
      if (header > 0) this.entries.push(copy);
      if (header < HEADER_BYTES) this.cut(`compaction: header of "${e.name}" (${header} of ${HEADER_BYTES} bytes)`);
      const allowed = this.spend(e.size);
      copy.data.set(e.data.subarray(0, allowed));
      this.bytesCompacted += footprint(e.size);
      if (allowed < e.size) this.cut(`compaction: data of "${e.name}" (${allowed} of ${e.size} bytes)`);
    }
  }

  /** Storage.eraseAll(): every page erased (not counted as programming). */
  eraseAll(): void {
    this.entries = [];
  }

  // ---- power cuts -----------------------------------------------------------------------

  /** The next operations may program exactly `afterBytes` more bytes; the one after is cut. */
  armPowerCut(afterBytes: number): void {
    if (!Number.isInteger(afterBytes) || afterBytes < 0) throw new RangeError(`armPowerCut: ${afterBytes} is not a byte count`);
    this.budget = afterBytes;
  }

  disarm(): void {
    this.budget = undefined;
  }

  /** Whether a power cut is armed. */
  isArmed(): boolean {
    return this.budget !== undefined;
  }

  /**
   * Whether a power cut has fired (and disarmIfCut() has not been called since). While true the
   * chip is without power: any further programming throws PowerCutError and changes nothing.
   */
  wasCut(): boolean {
    return this.cutFired;
  }

  /** Power is back after a cut (the chip boots): clears wasCut(). No-op when no cut fired. */
  disarmIfCut(): void {
    this.cutFired = false;
  }

  // ---- persistence ----------------------------------------------------------------------

  /** Writes a JSON snapshot to `file` (written to a temporary file, then renamed). */
  save(file = this.file): void {
    if (file === undefined) throw new Error("SimFlash.save: no file given");
    const snapshot: Snapshot = {
      format: "tokensmith-simflash",
      version: 1,
      capacityBytes: this.capacityBytes,
      ...(this.chipId !== undefined ? { chipId: this.chipId } : {}),
      entries: this.entries.map((e) => ({ name: e.name, size: e.size, live: e.live, data: Buffer.from(e.data).toString("base64") })),
    };
    const tmp = `${file}.tmp-${process.pid}`;
    // It holds the simulated token's seeds and keys: readable by this user only.
    writeFileSync(tmp, JSON.stringify(snapshot, null, 1) + "\n", { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** load(file) when the file exists, else an empty flash that will save() to it. */
  static loadOrCreate(file: string, capacityBytes?: number, options: Omit<SimFlashOptions, "file" | "capacityBytes"> = {}): SimFlash {
    if (existsSync(file)) {
      const flash = SimFlash.load(file, options);
      if (capacityBytes !== undefined && flash.capacityBytes !== capacityBytes) {
        throw new Error(`${file}: snapshot capacity ${flash.capacityBytes} differs from the requested ${capacityBytes}`);
      }
      return flash;
    }
    return new SimFlash({ ...options, capacityBytes, file });
  }

  /** Restores a snapshot written by save(); counters start at 0, no power cut armed. */
  static load(file: string, options: Omit<SimFlashOptions, "file" | "capacityBytes"> = {}): SimFlash {
    const snapshot = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
    if (snapshot.format !== "tokensmith-simflash" || snapshot.version !== 1) throw new Error(`${file}: not a SimFlash snapshot`);
    const flash = new SimFlash({ ...options, capacityBytes: snapshot.capacityBytes, file });
    flash.chipId = typeof snapshot.chipId === "string" ? snapshot.chipId : undefined;
    flash.entries = snapshot.entries.map((e) => {
      const data = new Uint8Array(Buffer.from(e.data, "base64"));
      if (data.length !== e.size) throw new Error(`${file}: entry "${e.name}" has ${data.length} bytes, expected ${e.size}`);
      return { name: e.name, size: e.size, live: e.live, data };
    });
    if (flash.used() > flash.capacityBytes) throw new Error(`${file}: entries exceed the capacity`);
    return flash;
  }

  // ---- internals ----------------------------------------------------------------------

  private normalise(name: string): string {
    const text = String(name);
    if (text.length === 0) throw new StorageError("Storage: empty file name");
    if (text.length > MAX_NAME_LENGTH) {
      if (this.strictNames) throw new StorageError(`Storage: name "${text}" is longer than ${MAX_NAME_LENGTH} characters`);
      return text.slice(0, MAX_NAME_LENGTH);
    }
    return text;
  }

  private find(name: string): Entry | undefined {
    return this.entries.find((e) => e.live && e.name === name);
  }

  private used(): number {
    return this.entries.reduce((n, e) => n + footprint(e.size), 0);
  }

  /** Bytes the armed budget lets through (all of `n` when disarmed); counts them. */
  private spend(n: number): number {
    if (this.cutFired && n > 0) throw new PowerCutError("programming while the power is off");
    let allowed = n;
    if (this.budget !== undefined) {
      allowed = Math.min(n, this.budget);
      this.budget -= allowed;
    }
    this.bytesWrittenTotal += allowed;
    return allowed;
  }

  private cut(operation: string): never {
    this.budget = undefined;
    this.cutFired = true;
    throw new PowerCutError(operation);
  }

  private markErased(entry: Entry, operation: string): void {
    const allowed = this.spend(ERASE_MARK_BYTES);
    if (allowed > 0) entry.live = false;
    if (allowed < ERASE_MARK_BYTES) this.cut(`erase marker while ${operation}`);
  }

  private create(name: string, size: number): Entry {
    const required = footprint(size);
    if (required > this.getFree()) {
      const trash = this.getStats().trashBytes;
      if (required < this.getFree() + trash) this.compact();
      if (required > this.getFree()) throw new StorageError("Unable to find or create file");
    }
    const allowed = this.spend(HEADER_BYTES);
    const entry: Entry = { name, size, data: new Uint8Array(size).fill(0xff), live: allowed === HEADER_BYTES };
    if (allowed > 0) this.entries.push(entry); // a partial header is trash; none at all is nothing
    if (allowed < HEADER_BYTES) this.cut(`header of "${name}" (${allowed} of ${HEADER_BYTES} bytes)`);
    return entry;
  }
}

function isErased(data: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length && i < data.length; i++) if (data[i] !== 0xff) return false;
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
