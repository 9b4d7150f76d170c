/**
 * Microsoft Entra ID, hardware OATH tokens CSV upload (shared/reference/IMPORT-FORMATS.md):
 *
 *   upn,serial number,secret key,time interval,manufacturer,model
 *
 * Base32 secret (A-Z2-7, no padding, at most 128 characters), 30 or 60 s, TOTP, 6 digits,
 * one user per token, at most 5 OATH methods per user. RFC 4180: CRLF line ends, fields quoted
 * only when they need it. The CSV has no hash column and Entra takes every token in it as
 * HMAC-SHA1, so a SHA-256 token is refused here: imported, it would never show a valid code
 * (Microsoft Graph's hardwareOathDevices, with its hashFunction, is the way in for those).
 */
import {
  basicProblems,
  duplicateProblems,
  refuseIfAny,
  secretBase32,
  show,
  textProblems,
  who,
} from "./common.js";
import type { ExportToken } from "./types.js";

export const ENTRA_CSV_HEADER = "upn,serial number,secret key,time interval,manufacturer,model";

export interface EntraOptions {
  /** The UPN for a token without `upn` of its own (e.g. from an assignment sheet). */
  upnFor?: (serial: string) => string | undefined;
  /** Used when the token has no `manufacturer` / `model`; defaults "tokensmith", "tokensmith-esp32". */
  manufacturer?: string;
  model?: string;
}

const ENTRA = "the Entra ID hardware OATH CSV";
const MAX_BASE32 = 128;
const MAX_METHODS_PER_USER = 5;
const DEFAULT_MANUFACTURER = "tokensmith";
const DEFAULT_MODEL = "tokensmith-esp32";

interface Row {
  token: ExportToken;
  upn: string | undefined;
  manufacturer: string;
  model: string;
}

function rowOf(token: ExportToken, options: EntraOptions): Row {
  const upn = token.upn ?? (typeof token.serial === "string" ? options.upnFor?.(token.serial) : undefined);
  return {
    token,
    upn: upn === "" ? undefined : upn,
    manufacturer: token.manufacturer ?? options.manufacturer ?? DEFAULT_MANUFACTURER,
    model: token.model ?? options.model ?? DEFAULT_MODEL,
  };
}

function rowProblems(row: Row): string[] {
  const { token } = row;
  const basic = basicProblems(token);
  if (basic.length > 0) return basic;
  const t = () => who(token); // built only for a message
  const problems: string[] = [];
  if (token.kind !== "totp") {
    problems.push(`${t()}: is an HOTP token, but Entra ID imports only TOTP tokens; import it elsewhere (Duo, PSKC)`);
  }
  if (token.digits !== 6) {
    problems.push(`${t()}: shows ${token.digits} digits, but Entra ID takes only 6-digit tokens; re-provision it with 6 digits`);
  }
  if (token.algorithm !== "SHA1") {
    problems.push(
      `${t()}: uses ${token.algorithm}, but the Entra ID CSV has no hash column and Entra takes every token in it as SHA-1, ` +
        "so this token would never sign in; re-provision it as SHA-1 for the CSV (Entra takes SHA-256 tokens only through Microsoft Graph)",
    );
  }
  if (token.kind === "totp" && token.period !== 30 && token.period !== 60) {
    problems.push(`${t()}: has a ${token.period}-second time step, but Entra ID supports only 30 or 60 seconds; re-provision it with 30 or 60`);
  }
  const base32Length = Math.ceil((token.secret.length * 8) / 5);
  if (base32Length > MAX_BASE32) {
    problems.push(`${t()}: the secret is ${token.secret.length} bytes (${base32Length} Base32 characters); Entra ID takes at most ${MAX_BASE32} characters (80 bytes)`);
  }
  problems.push(...textProblems(token, "serial", token.serial, true));
  if (row.upn !== undefined) {
    problems.push(...textProblems(token, "UPN", row.upn, true));
    if (!/^[^@\s]+@[^@\s]+$/.test(row.upn)) {
      problems.push(`${t()}: the UPN ${show(row.upn)} does not look like user@domain; check the user assignment`);
    }
  }
  problems.push(...textProblems(token, "manufacturer", row.manufacturer, true));
  problems.push(...textProblems(token, "model", row.model, true));
  return problems;
}

/** RFC 4180: quote a field containing a comma, a quote or a line break; double the quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
}

function lineOf(row: Row): string {
  const { token } = row;
  return [row.upn ?? "", token.serial, secretBase32(token.secret), String(token.period), row.manufacturer, row.model]
    .map(csvField)
    .join(",");
}

function checkRows(rows: readonly Row[]): void {
  const problems = rows.flatMap(rowProblems);
  const missing = rows.filter((r) => r.upn === undefined);
  if (missing.length > 0) {
    const serials = missing.map((r) => show(String(r.token.serial)));
    const listed = serials.length > 20 ? serials.slice(0, 20).join(", ") + `, ... (${serials.length} in all)` : serials.join(", ");
    problems.push(`no UPN for ${missing.length === 1 ? "token" : `${missing.length} tokens`} ${listed}: Entra ID needs the user each token belongs to; assign each one a user (user@domain)`);
  }
  if (problems.length === 0) {
    problems.push(...duplicateProblems(rows.map((r) => r.token), (t) => t.serial, "in the file"));
    const perUser = new Map<string, number>();
    for (const r of rows) {
      const key = (r.upn ?? "").toLowerCase();
      perUser.set(key, (perUser.get(key) ?? 0) + 1);
    }
    for (const [upn, n] of perUser) {
      if (n > MAX_METHODS_PER_USER) {
        problems.push(`user ${show(upn)} is given ${n} tokens, but Entra ID allows at most ${MAX_METHODS_PER_USER} OATH methods per user; give some to other users`);
      }
    }
  }
  refuseIfAny(problems, ENTRA);
}

/** The whole CSV: header and one CRLF-terminated row per token. */
export function entraCsv(tokens: readonly ExportToken[], options: EntraOptions = {}): string {
  const rows = tokens.map((t) => rowOf(t, options));
  checkRows(rows);
  let text = ENTRA_CSV_HEADER + "\r\n";
  for (const row of rows) text += lineOf(row) + "\r\n";
  return text;
}

/** One token's row, without the line end (append after ENTRA_CSV_HEADER as tokens are verified). */
export function entraCsvRow(token: ExportToken, options: EntraOptions = {}): string {
  const row = rowOf(token, options);
  checkRows([row]);
  return lineOf(row);
}
