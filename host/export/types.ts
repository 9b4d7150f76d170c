/**
 * What every export format takes: one record per token, secret included. The formatters in
 * this folder are pure functions from these records to text (ARCHITECTURE.md, "Format seam");
 * only write-file.ts touches the disk.
 */

export interface ExportToken {
  /** Printed on the token; the key every MFA server imports it under. */
  serial: string;
  /** Human label (shown by phone apps as the account name when `account` is absent). */
  label: string;
  kind: "totp" | "hotp";
  algorithm: "SHA1" | "SHA256";
  digits: 6 | 7 | 8;
  /** TOTP time step in seconds (ignored for HOTP). */
  period: number;
  /** HOTP moving factor (ignored for TOTP). */
  counter: number;
  /** The raw seed. */
  secret: Uint8Array;
  issuer?: string;
  account?: string;
  /** Entra ID user principal name (user@domain). */
  upn?: string;
  manufacturer?: string;
  model?: string;
}

/**
 * A token set that cannot be written in the requested format. The message says what is wrong
 * and what to do; `problems` lists each offending token separately (a batch of hundreds is
 * reported in one go, not one failure per run).
 */
export class ExportError extends Error {
  override name = "ExportError";
  readonly problems: readonly string[];

  constructor(summary: string, problems: readonly string[] = []) {
    super(problems.length === 0 ? summary : summary + "\n" + listProblems(problems));
    this.problems = problems;
  }
}

const SHOWN_PROBLEMS = 50;

function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => "  - " + p);
  if (problems.length > SHOWN_PROBLEMS) {
    shown.push(`  ... and ${problems.length - SHOWN_PROBLEMS} more`);
  }
  return shown.join("\n");
}
