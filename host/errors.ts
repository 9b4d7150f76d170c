/**
 * Every error the host library throws on purpose, in one place, with the exit code each means
 * for a command line (`exitCodeFor`). Each message says what went wrong and what to do; none
 * carries a seed or a key. Anything else thrown is a bug (exit 1, reported as unexpected).
 *
 * The families, by what the user does next:
 *   InputError      bad usage or input: nothing was done (exit 2)
 *   TransportError  the token could not be reached: port, cable, no answer (exit 3)
 *   TokenError      the token refused or the work could not be verified (exit 1)
 *   LedgerError, EscrowError   the ledger or its escrow refused (exit 4)
 */

/** Exit codes, as the README and `tokensmith --help` document them. */
export const EXIT = {
  ok: 0,
  /** The work itself failed: the token refused or could not be verified. */
  failed: 1,
  /** Bad usage or bad input: nothing was done. */
  usage: 2,
  /** The token could not be reached: cable, port, no answer. */
  unreachable: 3,
  /** The ledger or the escrow refused: locked, wrong passphrase, duplicate serial. */
  ledger: 4,
  /** Interrupted (Ctrl-C); what finished is recorded, the rest can be re-run. */
  interrupted: 130,
} as const;

// ---- bad input (exit 2) -----------------------------------------------------------------------

/** Bad input: the message says what was wrong and what is accepted. */
export class InputError extends Error {
  override name = "InputError";
}

/** A release archive or image that cannot be flashed: nothing was sent to the board. */
export class ReleaseError extends InputError {
  override name = "ReleaseError";
}

/** The serial ports could not be listed (the system refused). */
export class PortListingError extends Error {
  override name = "PortListingError";
}

const SHOWN_PROBLEMS = 50;

/**
 * A token set that cannot be written in the requested format. `problems` lists each offending
 * token, so a batch of hundreds is reported in one go, not one failure per run.
 */
export class ExportError extends Error {
  override name = "ExportError";
  readonly problems: readonly string[];

  constructor(summary: string, problems: readonly string[] = []) {
    super(problems.length === 0 ? summary : summary + "\n" + listProblems(problems));
    this.problems = problems;
  }
}

function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => "  - " + p);
  if (problems.length > SHOWN_PROBLEMS) shown.push(`  ... and ${problems.length - SHOWN_PROBLEMS} more`);
  return shown.join("\n");
}

/** A secret file could not be written; `code` is the system error code when there was one. */
export class SecretFileError extends ExportError {
  override name = "SecretFileError";
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

// ---- interrupted (exit 130) ---------------------------------------------------------------------

/** The operator stopped it (Ctrl-C, at a prompt or during the work). */
export class InterruptedError extends Error {
  override name = "InterruptedError";
}

// ---- the link (exit 3) ------------------------------------------------------------------------

/** The link failed: not open, closed under us, unplugged. */
export class TransportError extends Error {
  override name = "TransportError";
}

/** No answer after every retry. */
export class NoAnswerError extends TransportError {
  override name = "NoAnswerError";
}

/** The REPL did not answer in time (cable, wrong port, chip asleep or reset). */
export class ReplTimeoutError extends TransportError {
  override name = "ReplTimeoutError";
}

// ---- the work failed (exit 1) -----------------------------------------------------------------

/** The token answered with an error frame. `code` is the protocol's error code. */
export class TokenError extends Error {
  override name = "TokenError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The install could not be done; nothing unsafe was left behind. */
export class InstallError extends TokenError {
  override name = "InstallError";
  constructor(message: string) {
    super("install_failed", message);
  }
}

/** The flashing itself failed: refused, or not verified. */
export class FlashError extends TokenError {
  override name = "FlashError";
}

/** Provisioning did not complete, or its result could not be verified. */
export class ProvisionError extends Error {
  override name = "ProvisionError";
}

/** The device is not the token the ledger knows under the serial it claims. Nothing was signed. */
export class IdentityError extends InputError {
  override name = "IdentityError";
}

/** An expression threw on the device's REPL (`Uncaught ...`). */
export class ReplError extends Error {
  override name = "ReplError";
}

/** An identity service (Duo's Admin API, Microsoft Graph) refused or could not be reached. */
export class ServiceError extends Error {
  override name = "ServiceError";
}

/** Duo's error codes that change what tokensmith does next. */
export const DUO_CODE = {
  invalidParameters: 40002,
  duplicate: 40003,
  unauthorized: 40101,
  invalidSignature: 40103,
  forbidden: 40301,
  notFound: 40401,
  rateLimited: 42901,
} as const;

/** A failed Duo Admin API request. */
export class DuoApiError extends ServiceError {
  override name = "DuoApiError";
  constructor(
    message: string,
    /** Duo's code (40002 ...), or 0 when Duo was not reached or answered something else. */
    readonly code: number,
  ) {
    super(message);
  }

  /** The rest of the run cannot succeed either (credentials, permissions, rate limit, no connection): stop it. */
  get stopsTheRun(): boolean {
    return this.code === 0 || this.code === DUO_CODE.rateLimited || Math.floor(this.code / 100) === 401 || this.code === DUO_CODE.forbidden || this.code >= 50000;
  }
}

/** A failed Microsoft Graph request (or sign-in). */
export class GraphApiError extends ServiceError {
  override name = "GraphApiError";
  constructor(
    message: string,
    /** The HTTP status (0 when Graph was not reached). */
    readonly status: number,
    /** Graph's error code ("badRequest" ...), or ours: signInFailed, unreachable, notGraph. */
    readonly code: string,
  ) {
    super(message);
  }

  /** The rest of the run cannot succeed either (sign-in, permissions, throttling, no connection): stop it. */
  get stopsTheRun(): boolean {
    return this.status === 0 || this.status === 401 || this.status === 403 || this.status === 429 || this.status >= 500 || this.code === "notGraph";
  }
}

// ---- the ledger (exit 4) ----------------------------------------------------------------------

export class LedgerError extends Error {
  override name = "LedgerError";
}

/** Wrong passphrase, an altered blob, or a blob this version cannot open. */
export class EscrowError extends Error {
  override name = "EscrowError";
}

const FILE_SYSTEM_REFUSALS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
};

/**
 * Errors from below the library that still have a plain explanation, turned into the
 * library's own: SQLite finding the ledger damaged, and the file system refusing a write
 * (a read-only home, a full disk). Anything else is returned as it is.
 */
export function explainError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (error.name === "SqliteError" && typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB")) {
    return new LedgerError(
      `the ledger file is damaged (SQLite: ${error.message}): nothing was changed. Restore it from your backup; \`sqlite3 FILE .recover\` may save its rows`,
    );
  }
  if (typeof code === "string" && code in FILE_SYSTEM_REFUSALS) {
    const where = (error as NodeJS.ErrnoException).path;
    return new InputError(
      `cannot use ${where ?? "a file"}: ${FILE_SYSTEM_REFUSALS[code]}. Point TOKENSMITH_HOME (or --ledger, --out) at a folder you can write, or free the space`,
    );
  }
  return error;
}

/** The exit code for an error, and whether it is one the library throws on purpose (not a bug). */
export function exitCodeFor(error: unknown): { code: number; known: boolean } {
  if (error instanceof InterruptedError) return { code: EXIT.interrupted, known: true };
  // A device that is not the token it claims: the work failed (checked before InputError, its base).
  if (error instanceof IdentityError) return { code: EXIT.failed, known: true };
  if (error instanceof InputError || error instanceof ExportError || error instanceof PortListingError) return { code: EXIT.usage, known: true };
  if (error instanceof TransportError) return { code: EXIT.unreachable, known: true };
  if (error instanceof TokenError || error instanceof ProvisionError || error instanceof ReplError || error instanceof ServiceError) return { code: EXIT.failed, known: true };
  if (error instanceof LedgerError || error instanceof EscrowError) return { code: EXIT.ledger, known: true };
  return { code: EXIT.failed, known: false };
}
