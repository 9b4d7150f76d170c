/** Checks shared by the formatters. Each returns problems as sentences; nothing throws here. */
import { bytesToBase32 } from "../core/otp.js";
import { ExportError, type ExportToken } from "./types.js";

/** A serial (or any value) as it should appear in a message: quoted, control characters visible. */
export function show(value: string): string {
  const text = value.length > 60 ? value.slice(0, 57) + "..." : value;
  return JSON.stringify(text);
}

export function who(token: ExportToken): string {
  return "token " + (typeof token.serial === "string" ? show(token.serial) : "(no serial)");
}

/** Throws one ExportError listing every problem, or returns when there is none. */
export function refuseIfAny(problems: readonly string[], target: string): void {
  if (problems.length === 0) return;
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  throw new ExportError(
    `Nothing was exported: ${count} ${problems.length === 1 ? "stops" : "stop"} these tokens from going into ${target}. ` +
      "Fix them (or leave those tokens out) and export again:",
    problems,
  );
}

/** The record is well-formed at all (types come from a ledger or a user file, so check them). */
export function basicProblems(token: ExportToken): string[] {
  const t = () => who(token); // built only for a message
  const problems: string[] = [];
  if (typeof token.serial !== "string" || token.serial.length === 0) {
    problems.push(`${t()}: the serial is empty; every token needs the serial printed on it`);
  }
  if (token.kind !== "totp" && token.kind !== "hotp") {
    problems.push(`${t()}: kind ${show(String(token.kind))} is neither "totp" nor "hotp"`);
  }
  if (token.algorithm !== "SHA1" && token.algorithm !== "SHA256") {
    problems.push(`${t()}: algorithm ${show(String(token.algorithm))} is neither SHA1 nor SHA256`);
  }
  if (token.digits !== 6 && token.digits !== 7 && token.digits !== 8) {
    problems.push(`${t()}: ${String(token.digits)} digits is not supported (6, 7 or 8)`);
  }
  if (token.kind === "totp" && !(Number.isInteger(token.period) && token.period >= 1 && token.period <= 65535)) {
    problems.push(`${t()}: time step ${String(token.period)} s is not a whole number of seconds from 1 to 65535`);
  }
  if (token.kind === "hotp" && !(Number.isInteger(token.counter) && token.counter >= 0 && token.counter <= 2 ** 32 - 1)) {
    problems.push(`${t()}: counter ${String(token.counter)} is not a whole number from 0 to 4294967295`);
  }
  if (!(token.secret instanceof Uint8Array) || token.secret.length === 0) {
    problems.push(`${t()}: the secret is missing or empty; the token record is incomplete`);
  }
  return problems;
}

/** Characters no export file should carry in a name: C0/C1 controls, non-characters, lone surrogates. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** Spreadsheets run a cell starting with one of these as a formula (CSV injection). */
/** What spreadsheet programs split a CSV line at, depending on the locale and how it is opened. */
const CELL_SEPARATORS = /[,;\t|]/;

export function startsLikeFormula(text: string): boolean {
  return /^[=+\-@\t\r]/.test(text);
}

/** Problems with a free-text value (`field` names it in the message). */
export function textProblems(token: ExportToken, field: string, value: string, spreadsheet: boolean): string[] {
  const t = () => who(token); // built only for a message
  const problems: string[] = [];
  if (hasControlCharacter(value)) {
    problems.push(`${t()}: the ${field} ${show(value)} contains a control character (line break, tab, ...); remove it`);
  } else if (spreadsheet && startsLikeFormula(value)) {
    problems.push(
      `${t()}: the ${field} ${show(value)} starts with '${value.charAt(0)}', which spreadsheets run as a formula; ` +
        "change it so it starts with a letter or digit",
    );
  } else if (spreadsheet && value.split(CELL_SEPARATORS).some(startsLikeFormula)) {
    // A spreadsheet opened with ; or tab as its separator splits the value into cells, and a
    // cell that starts like a formula runs ("a@x.com;=1+1@y.com").
    problems.push(`${t()}: the ${field} ${show(value)} holds a separator followed by a formula character; remove it`);
  }
  return problems;
}

/** Serials that occur more than once in `tokens` (compared with `key`), as problems. */
export function duplicateProblems(tokens: readonly ExportToken[], key: (t: ExportToken) => string, where: string): string[] {
  const seen = new Map<string, number>();
  for (const token of tokens) {
    const k = key(token);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const token of tokens) {
    const k = key(token);
    const n = seen.get(k) ?? 0;
    if (n > 1) {
      problems.push(`${who(token)}: the serial appears ${n} times ${where}; serials must be unique, so export each token once`);
      seen.set(k, 0);
    }
  }
  return problems;
}

// The project's codecs take number[] but only read `length` and `[i]`: a Uint8Array serves as is
// (no copy per token when exporting 100,000).
const asByteList = (secret: Uint8Array) => secret as unknown as number[];
// Node's own hex: the same text as the portable bytesToHex, at a fraction of its cost (100,000-token exports).
export const secretHex = (secret: Uint8Array): string => Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString("hex");
export const secretBase32 = (secret: Uint8Array): string => bytesToBase32(asByteList(secret), false);
export const secretBase64 = (secret: Uint8Array): string => Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString("base64");
