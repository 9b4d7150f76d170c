/**
 * Duo Admin Panel, 2FA Devices > Hardware Tokens > Import Hardware Tokens.
 *
 * The administrator picks a token type and pastes `serial,secret_hex[,third]` lines, one type
 * at a time (shared/reference/IMPORT-FORMATS.md). Duo is SHA-1 only, 6 or 8 digits, 30 or 60 s.
 */
import { MAX_SERIAL_LENGTH, isSerial } from "../../shared/serial.js";
import {
  basicProblems,
  duplicateProblems,
  hasControlCharacter,
  refuseIfAny,
  secretHex,
  show,
  startsLikeFormula,
  who,
} from "./common.js";
import { ExportError, type ExportToken } from "./types.js";

export type DuoTokenType = "t6" | "t8" | "h6" | "h8";

export interface DuoImportSection {
  tokenType: DuoTokenType;
  /** The entry in Duo's "Token type" dropdown to pick before pasting `text`. */
  title: string;
  /** `count` lines, each ending in "\n". */
  text: string;
  count: number;
}

/** In the order of Duo's dropdown. */
export const DUO_TOKEN_TYPES: ReadonlyArray<{ tokenType: DuoTokenType; title: string }> = [
  { tokenType: "h6", title: "HOTP 6-digit" },
  { tokenType: "h8", title: "HOTP 8-digit" },
  { tokenType: "t6", title: "TOTP 6-digit" },
  { tokenType: "t8", title: "TOTP 8-digit" },
];

const MAX_SERIAL = 128;
const DUO = "Duo's hardware token import";

function serialProblems(token: ExportToken): string[] {
  const serial = token.serial;
  if (typeof serial !== "string" || serial.length === 0) return []; // reported by basicProblems
  const t = () => who(token); // built only for a message
  const fix = "keep serials to letters, digits, '.', '_' and '-'";
  if (serial.length > MAX_SERIAL) return [`${t()}: the serial is ${serial.length} characters; Duo takes at most ${MAX_SERIAL}`];
  if (serial.includes(",")) return [`${t()}: the serial contains a comma, which would split Duo's line; ${fix}`];
  if (/["']/.test(serial)) return [`${t()}: the serial contains a quote, which Duo's import does not strip; ${fix}`];
  if (/\s/.test(serial) || hasControlCharacter(serial)) {
    return [`${t()}: the serial contains a space, line break or control character; ${fix}`];
  }
  if (startsLikeFormula(serial)) {
    return [`${t()}: the serial starts with '${serial.charAt(0)}', which spreadsheets run as a formula; ${fix}, starting with a letter or digit`];
  }
  if (!isSerial(serial)) return [`${t()}: not a token's serial (1 to ${MAX_SERIAL_LENGTH} of A-Z a-z 0-9 . _ -, starting with a letter or digit: the rule the token and the ledger keep); ${fix}`];
  return [];
}

const NO_PROBLEMS: string[] = [];

/** A strict subset of what duoProblems accepts, without building anything (100,000-token exports). */
function plainlyFine(token: ExportToken): boolean {
  return (
    typeof token.serial === "string" &&
    isSerial(token.serial) && // which also keeps formula characters from the start

    token.algorithm === "SHA1" &&
    (token.digits === 6 || token.digits === 8) &&
    token.secret instanceof Uint8Array &&
    token.secret.length > 0 &&
    ((token.kind === "totp" && (token.period === 30 || token.period === 60)) ||
      (token.kind === "hotp" && Number.isInteger(token.counter) && token.counter >= 0 && token.counter <= 2 ** 32 - 1))
  );
}

/** Everything that keeps this token out of Duo, as sentences. */
function duoProblems(token: ExportToken): string[] {
  if (plainlyFine(token)) return NO_PROBLEMS;
  const basic = basicProblems(token);
  if (basic.length > 0) return basic;
  const t = () => who(token); // built only for a message
  const problems = serialProblems(token);
  if (token.algorithm !== "SHA1") {
    problems.push(`${t()}: uses ${token.algorithm}, but Duo accepts only SHA-1 tokens; re-provision it as SHA-1, or import it elsewhere (PSKC, Entra ID)`);
  }
  if (token.digits !== 6 && token.digits !== 8) {
    problems.push(`${t()}: shows ${token.digits} digits, but Duo takes only 6- or 8-digit tokens; re-provision it with 6 or 8 digits`);
  }
  if (token.kind === "totp" && token.period !== 30 && token.period !== 60) {
    problems.push(`${t()}: has a ${token.period}-second time step, but Duo supports only 30 or 60 seconds; re-provision it with 30 or 60`);
  }
  return problems;
}

/** The Duo token type of a profile (kind and digits), checked or not: see duoTokenType. */
export function duoTypeOfProfile(profile: { kind: ExportToken["kind"]; digits: number }): DuoTokenType {
  return ((profile.kind === "totp" ? "t" : "h") + String(profile.digits)) as DuoTokenType;
}
const typeOf = duoTypeOfProfile;

function lineOf(token: ExportToken): string {
  let line = token.serial + "," + secretHex(token.secret);
  if (token.kind === "totp") {
    // Omitted means 30 s; a 60 s token without ",60" would be checked at 30 s and always fail.
    if (token.period === 60) line += ",60";
  } else if (token.counter !== 0) {
    // *unconfirmed*: the reference infers "third column = starting counter" for HOTP from the
    // Admin API's `counter`; no primary text for the paste box. Omitted for counter 0.
    line += "," + String(token.counter);
  }
  return line;
}

/** The Admin Panel's name of a token type ("TOTP 6-digit"). */
export function duoTypeTitle(tokenType: DuoTokenType): string {
  const entry = DUO_TOKEN_TYPES.find((e) => e.tokenType === tokenType);
  if (!entry) throw new ExportError(`${show(String(tokenType))} is not a Duo OATH token type; use one of t6, t8, h6, h8`);
  return entry.title;
}

/** The Duo token type (dropdown entry) this token imports as; ExportError if Duo cannot take it. */
export function duoTokenType(token: ExportToken): DuoTokenType {
  refuseIfAny(duoProblems(token), DUO);
  return typeOf(token);
}

/** One token's line, without the newline (for appending as each token is verified). */
export function duoImportLine(token: ExportToken): string {
  refuseIfAny(duoProblems(token), DUO);
  return lineOf(token);
}

/** Checks every token, then groups them by Duo type (input order kept within a type). */
function checkAndGroup(tokens: readonly ExportToken[]): Map<DuoTokenType, ExportToken[]> {
  const problems: string[] = [];
  for (const token of tokens) {
    const found = duoProblems(token);
    if (found.length > 0) problems.push(...found);
  }
  refuseIfAny(problems, DUO);
  const groups = new Map<DuoTokenType, ExportToken[]>();
  for (const token of tokens) {
    const type = typeOf(token);
    let list = groups.get(type);
    if (!list) groups.set(type, (list = []));
    list.push(token);
  }
  // (type, serial) is unique in Duo; the same serial under two types is allowed.
  for (const list of groups.values()) {
    const seen = new Set<string>();
    let repeated = false;
    for (const token of list) {
      if (seen.has(token.serial)) repeated = true;
      seen.add(token.serial);
    }
    if (repeated) problems.push(...duplicateProblems(list, (t) => t.serial, "under the same Duo token type"));
  }
  refuseIfAny(problems, DUO);
  return groups;
}

function sectionText(list: readonly ExportToken[]): string {
  const lines = new Array<string>(list.length + 1);
  for (let i = 0; i < list.length; i++) lines[i] = lineOf(list[i]);
  lines[list.length] = "";
  return lines.join("\n");
}

/**
 * One section per Duo token type present, in dropdown order. No header, no quotes; lowercase
 * hex. Every token is checked before anything is returned: one bad token refuses the lot.
 */
export function duoImportSections(tokens: readonly ExportToken[]): DuoImportSection[] {
  const groups = checkAndGroup(tokens);
  return DUO_TOKEN_TYPES.filter((e) => groups.has(e.tokenType)).map((e) => {
    const list = groups.get(e.tokenType) ?? [];
    return { tokenType: e.tokenType, title: e.title, text: sectionText(list), count: list.length };
  });
}

/** The text for one type; every token must be of that type (Duo imports one type at a time). */
export function duoImportText(tokens: readonly ExportToken[], tokenType: DuoTokenType): string {
  const title = duoTypeTitle(tokenType);
  checkAndGroup(tokens);
  const others = tokens
    .filter((t) => typeOf(t) !== tokenType)
    .map((t) => `${who(t)}: is ${duoTypeTitle(typeOf(t))}, not ${title}; Duo imports one token type at a time, so put it in its own section`);
  refuseIfAny(others, `a Duo "${title}" import`);
  return sectionText(tokens);
}
