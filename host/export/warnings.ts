/** Warnings that do not stop an export: said on stderr by the CLI, before the files are written. */
import { otpauthProfileProblems } from "./otpauth.js";
import { show } from "./common.js";
import type { ExportToken } from "./types.js";

/** A list of serials for a warning: all of a few, the first few of many. */
function serialsOf(serials: readonly string[]): string {
  const SHOWN = 3;
  if (serials.length === 1) return `token ${show(serials[0]!)}`;
  const first = serials.slice(0, SHOWN).map(show).join(", ");
  return serials.length <= SHOWN ? `tokens ${first}` : `${serials.length} tokens (${first}, ...)`;
}

/**
 * Things worth telling the administrator that do not stop an export, one line per problem with
 * the tokens it concerns: secrets shorter than RFC 4226's 128-bit minimum (section 4, R6;
 * typically 16-character Base32 keys from elsewhere), and, for key URIs, profiles that phone
 * apps may compute wrongly (otpauthProfileProblems). Fed one token at a time (a streamed
 * export), or all at once by exportWarnings.
 */
export class ExportWarnings {
  private readonly serialsByProblem = new Map<string, string[]>();

  constructor(private readonly format?: string) {}

  add(token: ExportToken): void {
    if (token.secret instanceof Uint8Array && token.secret.length > 0 && token.secret.length < 16) {
      this.note(`the secret is only ${token.secret.length * 8} bits, below RFC 4226's 128-bit minimum (160 recommended); replace the token with a fresh seed when you can`, token);
    }
    if (this.format === "otpauth") for (const problem of otpauthProfileProblems(token)) this.note(problem, token);
  }

  lines(): string[] {
    return [...this.serialsByProblem].map(([problem, serials]) => `${serialsOf(serials)}: ${problem}`);
  }

  private note(problem: string, token: ExportToken): void {
    const list = this.serialsByProblem.get(problem) ?? [];
    list.push(String(token.serial));
    this.serialsByProblem.set(problem, list);
  }
}

export function exportWarnings(tokens: readonly ExportToken[], format?: string): string[] {
  const warnings = new ExportWarnings(format);
  for (const token of tokens) warnings.add(token);
  return warnings.lines();
}
