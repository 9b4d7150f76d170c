/**
 * The import file a provisioning run writes as it goes: one line per verified token, appended
 * and fsynced (0600), so an interrupted batch leaves a correct file for every token finished.
 * When the ledger has no escrow, this file is the seeds' only copy.
 *
 * Line formats: Duo ("serial,hex[,60]") and otpauth URIs. Duo imports a paste as one token
 * type (TOTP 6-digit, ...) and its lines do not say theirs, so a Duo file holds one type: the
 * ledger knows the type of every line already there (checkToken). Entra and PSKC files are
 * made afterwards by `tokensmith export` from the escrow.
 */
import { accessSync, constants, existsSync, lstatSync, readFileSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { InputError } from "../core/otp.js";
import { parseOtpauth } from "./seeds.js";
import { duoImportLine, duoTypeOfProfile, duoTypeTitle, type DuoTokenType } from "../export/duo.js";
import { otpauthUri } from "../export/otpauth.js";
import { ExportError } from "../errors.js";
import { appendSecretLine } from "../export/write-file.js";
import type { ExportToken } from "../export/types.js";

export type ImportFileFormat = "duo" | "otpauth";

function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

export class ImportFile {
  constructor(
    readonly path: string,
    readonly format: ImportFileFormat,
  ) {}

  /**
   * Checks, before any token is touched, that lines can be appended: the folder exists and is
   * writable, and an existing file is a private regular file ending in a whole line.
   */
  preflight(): void {
    const dir = path.dirname(this.path);
    const fail = (why: string) => {
      throw new InputError(`cannot write the import file ${this.path}: ${why}. No token was touched.`);
    };
    if (!existsSync(dir)) fail(`the folder ${dir} does not exist (create it first)`);
    // The appends open the file without following a link (a link could send seeds elsewhere):
    // refuse one here, dangling or not, rather than after the first token is provisioned.
    const link = lstatOrNull(this.path);
    if (link?.isSymbolicLink()) fail("it is a symbolic link, which tokensmith does not follow for a file of seeds (give the file's real path)");
    if (link !== null) {
      const stat = statSync(this.path);
      if (!stat.isFile()) fail("it is not a regular file");
      if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) fail("others can read it (chmod 600 it, or choose a new file)");
      const text = readFileSync(this.path, "latin1");
      if (text.length > 0 && !text.endsWith("\n")) fail("its last line is incomplete");
      try {
        accessSync(this.path, constants.W_OK);
      } catch {
        fail("it is not writable");
      }
    } else {
      try {
        accessSync(dir, constants.W_OK);
      } catch {
        fail(`the folder ${dir} is not writable`);
      }
    }
  }

  /**
   * Refuses, before the token is touched, a token this file cannot take: one its format would
   * refuse (Duo: SHA-1 only; otpauth: 6 or 8 digits), or, in a Duo file, a token type other
   * than that of the lines already there (`typeOf` tells a serial's type from the ledger).
   */
  checkToken(token: ExportToken, typeOf: (serial: string) => DuoTokenType | null): void {
    const refuse = (why: string) => {
      throw new InputError(`the import file ${this.path} (--format ${this.format}) cannot take this token: ${why}. No token was touched.`);
    };
    try {
      if (this.format === "duo") duoImportLine(token);
      else otpauthUri(token);
    } catch (error) {
      if (error instanceof ExportError) refuse(error.problems.length > 0 ? error.problems.join("; ") : error.message);
      throw error;
    }
    if (this.format !== "duo") return;
    const wanted = duoTypeOfProfile(token); // its line was just checked
    const lines = this.lines();
    // Lines already checked against this type (a batch checks each token: keep that linear).
    const from = this.checkedType === wanted ? this.checkedLines : 0;
    for (const line of lines.slice(from)) {
      const serial = line.split(",")[0]!;
      if (serial.toUpperCase() === token.serial.toUpperCase()) continue; // this token's own line (a resumed token)
      const type = typeOf(serial);
      if (type === null) {
        refuse(`it holds a line for ${JSON.stringify(serial)}, which this ledger does not know, so the type of the tokens in it cannot be told (Duo imports one type per paste); give a new file`);
      }
      if (type !== wanted) {
        refuse(`it holds ${duoTypeTitle(type!)} tokens (${serial} and maybe more), and this one is ${duoTypeTitle(wanted)}; Duo imports one type per paste, so give a file for ${duoTypeTitle(wanted)} tokens`);
      }
    }
    this.checkedType = wanted;
    this.checkedLines = lines.length;
  }

  private checkedType: DuoTokenType | null = null;
  private checkedLines = 0;

  /** Appends the token's line and fsyncs. */
  async append(token: ExportToken): Promise<void> {
    await appendSecretLine(this.path, this.format === "duo" ? duoImportLine(token) : otpauthUri(token));
  }

  /** The file's non-empty lines. */
  lines(): string[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, "latin1").split(/\r?\n/).filter((line) => line.trim() !== "");
  }

  /** The seed already written for a serial, or null: a resumed token keeps that seed. */
  seedOf(serial: string): Uint8Array | null {
    for (const line of this.lines()) {
      if (this.format === "duo") {
        const [lineSerial, hex] = line.split(",");
        if (lineSerial === serial && hex) return new Uint8Array(Buffer.from(hex, "hex"));
      } else {
        const { seed, parameters } = parseOtpauth(line);
        if (parameters.account === serial) return seed;
      }
    }
    return null;
  }
}
