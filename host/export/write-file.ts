/**
 * Writing files that hold secrets (ARCHITECTURE.md, "Rules of the house"): mode 0600 whatever
 * the umask, written in full and fsynced before the name appears, the directory fsynced after,
 * nothing left behind on failure, and no silent overwrite.
 */
import { constants } from "node:fs";
import { link, lstat, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { SecretFileError } from "../errors.js";
export { SecretFileError };

const SECRET_MODE = 0o600;
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/** Turns a system error into a message that says which path and what to do. */
function explain(error: unknown, target: string, doing: string, outcome = "Nothing was written."): SecretFileError {
  const code = codeOf(error);
  const dir = path.dirname(path.resolve(target));
  let advice: string;
  switch (code) {
    case "EACCES":
    case "EPERM":
      advice = `permission denied in ${dir}. Choose a directory you can write to, or ask for write access to this one`;
      break;
    case "ENOENT":
      advice = `the directory ${dir} does not exist. Create it first, or choose another directory`;
      break;
    case "ENOTDIR":
      advice = `a part of ${dir} is a file, not a directory. Check the path`;
      break;
    case "EISDIR":
      advice = `${target} is a directory. Give a file name inside it`;
      break;
    case "EROFS":
      advice = `${dir} is on a read-only file system. Choose another directory`;
      break;
    case "ENOSPC":
    case "EDQUOT":
      advice = `the disk (or your quota) is full. Free some space, or choose another disk`;
      break;
    case "ELOOP":
      advice = `${target} is a symbolic link; secret files are never written through links. Give the real path`;
      break;
    default:
      advice = (error as Error)?.message ?? String(error);
  }
  return new SecretFileError(`Could not ${doing} ${target}: ${advice}. ${outcome}`, target, code);
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** fsync a directory so a new or renamed entry survives a power cut (best effort where unsupported). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    const code = codeOf(error);
    // Windows and some network file systems cannot fsync a directory; the data is already synced.
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}

const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === "string" ? Buffer.from(data, "utf8") : data);

/**
 * A secret file being written: a 0600 temporary file in the target's directory that only
 * `commit` puts in place (fsynced, then linked or renamed, then the directory fsynced), and
 * `discard` removes. Lets a large export be written as it is produced, with nothing visible
 * under the target's name unless all of it was written.
 */
export class SecretFileDraft {
  private handle: FileHandle | undefined;
  private created = false;
  private step = "create";
  private readonly temporary: string;

  private constructor(
    readonly target: string,
    private readonly overwrite: boolean,
  ) {
    this.temporary = `${target}.tmp-${randomBytes(6).toString("hex")}`;
  }

  /** Starts the draft; an existing `target` is refused here unless `overwrite` (and again, race-free, at commit). */
  static async start(target: string, options: { overwrite?: boolean } = {}): Promise<SecretFileDraft> {
    const draft = new SecretFileDraft(target, options.overwrite === true);
    try {
      if (!draft.overwrite) {
        // Early, friendly refusal; the link in commit is what makes it race-free.
        const existing = await lstat(target).then(
          () => true,
          (error) => (codeOf(error) === "ENOENT" ? false : Promise.reject(error)),
        );
        if (existing) throw new SecretFileError(refuseOverwrite(target), target, "EEXIST");
      }
      draft.handle = await open(draft.temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, SECRET_MODE);
      draft.created = true;
      draft.step = "write";
      await draft.handle.chmod(SECRET_MODE); // the umask can only narrow the mode, but make it exact
      return draft;
    } catch (error) {
      throw await draft.failed(error);
    }
  }

  async write(data: Uint8Array | string): Promise<void> {
    try {
      await writeAll(this.handle!, toBytes(data));
    } catch (error) {
      throw await this.failed(error);
    }
  }

  /** Puts the file in place under its name. */
  async commit(): Promise<void> {
    const dir = path.dirname(path.resolve(this.target));
    try {
      await this.handle!.sync();
      await this.handle!.close();
      this.handle = undefined;
      if (this.overwrite) {
        await rename(this.temporary, this.target);
        this.created = false;
      } else {
        try {
          await link(this.temporary, this.target); // fails with EEXIST if the target appeared meanwhile
        } catch (error) {
          const code = codeOf(error);
          if (code === "EEXIST") throw new SecretFileError(refuseOverwrite(this.target), this.target, "EEXIST");
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
          // No hard links on this file system: check, then rename (a small window, but no data loss).
          const existing = await lstat(this.target).then(() => true, () => false);
          if (existing) throw new SecretFileError(refuseOverwrite(this.target), this.target, "EEXIST");
          await rename(this.temporary, this.target);
          this.created = false;
        }
        if (this.created) {
          await unlink(this.temporary);
          this.created = false;
        }
      }
      await syncDirectory(dir);
    } catch (error) {
      throw await this.failed(error);
    }
  }

  /** Removes the temporary file; the target is as it was. */
  async discard(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.created) await unlink(this.temporary).catch(() => undefined);
    this.created = false;
  }

  private async failed(error: unknown): Promise<SecretFileError> {
    await this.discard();
    return error instanceof SecretFileError ? error : explain(error, this.target, this.step);
  }
}

/**
 * Writes `data` to `target` as a new 0600 file, atomically: a temporary file in the same
 * directory, fsynced, then moved into place and the directory fsynced. An existing `target`
 * is refused (atomically, by hard link) unless `overwrite` is set. On any failure the
 * temporary file is removed and `target` is as it was.
 */
export async function writeSecretFileAtomically(target: string, data: Uint8Array | string, options: { overwrite?: boolean } = {}): Promise<void> {
  const draft = await SecretFileDraft.start(target, options);
  await draft.write(data);
  await draft.commit();
}

function refuseOverwrite(target: string): string {
  return `${target} already exists, and secret files are never silently replaced. Nothing was written. Choose a new file name, or move the old file away (or ask to overwrite it).`;
}

export interface AppendOptions {
  /** Written first when the file is new or empty (e.g. the Entra CSV header). */
  header?: string;
  /** "\n" (default) or "\r\n" (RFC 4180 CSV). */
  lineEnd?: "\n" | "\r\n";
}

/**
 * Appends one line to `target` and fsyncs it, creating the file 0600 if needed (batch
 * provisioning: each verified token's line lands at once). Refuses a file that others can
 * read, and a file whose last line is incomplete (an interrupted earlier write), rather than
 * glue a secret onto half a line.
 */
export async function appendSecretLine(target: string, line: string, options: AppendOptions = {}): Promise<void> {
  const lineEnd = options.lineEnd ?? "\n";
  for (const text of [line, options.header ?? ""]) {
    if (/[\r\n]/.test(text)) {
      throw new SecretFileError(`Could not append to ${target}: the line contains a line break; give one line at a time. Nothing was written.`, target);
    }
  }
  let handle: FileHandle | undefined;
  let createdFile = false;
  let step = "open";
  try {
    try {
      handle = await open(target, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, SECRET_MODE);
      createdFile = true;
      await handle.chmod(SECRET_MODE);
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw error;
      handle = await open(target, constants.O_RDWR | constants.O_APPEND | NO_FOLLOW);
    }
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SecretFileError(`Could not append to ${target}: it is not a regular file. Give a file path. Nothing was written.`, target);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new SecretFileError(
        `Could not append to ${target}: it has mode ${mode}, so others can read the secrets in it. ` +
          `Run "chmod 600 ${target}" (and check who has read it), or choose a new file. Nothing was written.`,
        target,
      );
    }
    let text = "";
    if (stat.size === 0) {
      if (options.header) text += options.header + lineEnd;
    } else {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, stat.size - 1);
      if (last[0] !== 0x0a) {
        throw new SecretFileError(
          `Could not append to ${target}: its last line is incomplete (an earlier write was interrupted). ` +
            "Check that line by hand (complete or remove it), then run again. Nothing was written.",
          target,
        );
      }
    }
    text += line + lineEnd;
    step = "append to";
    await writeAll(handle, Buffer.from(text, "utf8"));
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (createdFile) await syncDirectory(path.dirname(path.resolve(target)));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (createdFile && step === "open") await unlink(target).catch(() => undefined);
    if (error instanceof SecretFileError) throw error;
    throw explain(
      error,
      target,
      step,
      step === "open" ? "Nothing was written." : "The line may be partly written: check the end of the file before running again.",
    );
  }
}
