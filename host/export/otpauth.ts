/**
 * otpauth:// key URIs (the QR codes authenticator apps scan), and a QR code drawn with
 * Unicode blocks for a terminal. Both carry the secret: the caller decides whether to show them.
 *
 *   otpauth://totp/Issuer:account?secret=BASE32NOPAD&issuer=Issuer&algorithm=SHA1&digits=6&period=30
 *
 * Many apps ignore algorithm/digits/period: for a phone keep SHA1, 6 digits, 30 s
 * (see otpauthPhoneProblems).
 */
import QRCode from "qrcode";
import { basicProblems, hasControlCharacter, refuseIfAny, secretBase32, show, who } from "./common.js";
import { ExportError, type ExportToken } from "./types.js";

/** RFC 3986 percent-encoding: everything but the unreserved A-Z a-z 0-9 - . _ ~ (UTF-8). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function uriProblems(token: ExportToken, account: string): string[] {
  const basic = basicProblems(token);
  if (basic.length > 0) return basic;
  const t = () => who(token); // built only for a message
  const problems: string[] = [];
  const check = (field: string, value: string) => {
    if (value.includes(":")) problems.push(`${t()}: the ${field} ${show(value)} contains ':', which separates issuer and account in the key URI; remove it`);
    if (hasControlCharacter(value)) problems.push(`${t()}: the ${field} ${show(value)} contains a control character; remove it`);
  };
  if (token.digits !== 6 && token.digits !== 8) {
    // The Key URI format allows 6 or 8; apps given 7 show 6 (wrong codes) or refuse the key.
    problems.push(`${t()}: shows ${token.digits} digits, but authenticator apps take 6 or 8 from a key URI; re-provision it with 6 or 8 digits`);
  }
  if (account.length === 0) problems.push(`${t()}: has no account name (account or label) to show in the authenticator app`);
  check("account name", account);
  if (token.issuer !== undefined) {
    if (token.issuer.length === 0) problems.push(`${t()}: the issuer is empty; leave it out or name the service`);
    check("issuer", token.issuer);
  }
  return problems;
}

/** The key URI for one token. Account name: `account`, else `label`, else the serial. */
export function otpauthUri(token: ExportToken): string {
  const account = token.account ?? (token.label || token.serial);
  refuseIfAny(uriProblems(token, account ?? ""), "an otpauth:// URI");
  const label = token.issuer !== undefined ? percentEncode(token.issuer) + ":" + percentEncode(account) : percentEncode(account);
  let query = "secret=" + secretBase32(token.secret);
  if (token.issuer !== undefined) query += "&issuer=" + percentEncode(token.issuer);
  query += "&algorithm=" + token.algorithm + "&digits=" + String(token.digits);
  query += token.kind === "totp" ? "&period=" + String(token.period) : "&counter=" + String(token.counter);
  return `otpauth://${token.kind}/${label}?${query}`;
}

/** The name an otpauth URI gives its issuer when none is asked for: apps list the entry under it. */
export const DEFAULT_ISSUER = "tokensmith";

/**
 * Why a phone app might compute wrong codes for tokens of this profile (empty: SHA1, 6 digits,
 * 30 s TOTP, or HOTP): Google Authenticator and others ignore these URI parameters.
 */
export function otpauthProfileProblems(profile: Pick<ExportToken, "algorithm" | "kind" | "period"> & { digits: number }): string[] {
  const problems: string[] = [];
  if (profile.algorithm !== "SHA1") problems.push(`${profile.algorithm}: many authenticator apps ignore the algorithm and use SHA-1`);
  if (profile.digits === 8) problems.push("8 digits: many authenticator apps show 6 regardless");
  if (profile.kind === "totp" && profile.period !== 30) problems.push(`${profile.period}-second step: many authenticator apps use 30 s regardless`);
  return problems;
}

/** otpauthProfileProblems, naming the token. */
export function otpauthPhoneProblems(token: ExportToken): string[] {
  return otpauthProfileProblems(token).map((problem) => `${who(token)}: ${problem}`);
}

export interface TerminalQrOptions {
  /** Widest line allowed, in columns (default 80). */
  maxColumns?: number;
  /** Draw dark modules as blocks, for terminals with a light background (default false). */
  lightBackground?: boolean;
}

/**
 * The URI as a QR code in Unicode half blocks (two module rows per text line), with a quiet
 * zone, at most `maxColumns` wide. Error correction M, falling back to L and then a narrower
 * quiet zone when that is what fits. Lines end in "\n".
 */
export function otpauthQrForTerminal(uri: string, options: TerminalQrOptions = {}): string {
  const maxColumns = options.maxColumns ?? 80;
  for (const [level, quiet] of [["M", 4], ["L", 4], ["L", 2]] as const) {
    let modules: { size: number; get(row: number, col: number): number | boolean };
    try {
      modules = QRCode.create(uri, { errorCorrectionLevel: level }).modules;
    } catch (error) {
      throw new ExportError(`The key URI cannot be drawn as a QR code (${(error as Error).message}); shorten the issuer or account name`);
    }
    const width = modules.size + 2 * quiet;
    if (width > maxColumns) continue;
    // true = light (paper) module. Outside the symbol everything is light: the quiet zone.
    const light = (row: number, col: number): boolean => {
      const r = row - quiet;
      const c = col - quiet;
      if (r < 0 || c < 0 || r >= modules.size || c >= modules.size) return true;
      return !modules.get(r, c);
    };
    const ink = (row: number, col: number) => (options.lightBackground ? !light(row, col) : light(row, col));
    const lines: string[] = [];
    for (let row = 0; row < width; row += 2) {
      let line = "";
      for (let col = 0; col < width; col++) {
        const top = ink(row, col);
        const bottom = row + 1 < width && ink(row + 1, col); // past the last row: the terminal itself
        line += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
      }
      lines.push(line);
    }
    return lines.join("\n") + "\n";
  }
  throw new ExportError(
    `The key URI is too long for a QR code ${maxColumns} columns wide (${uri.length} characters); ` +
      "shorten the issuer or account name, or use a wider terminal",
  );
}
