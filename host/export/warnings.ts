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
 * apps may compute wrongly (otpauthProfileProblems).
 */
export function exportWarnings(tokens: readonly ExportToken[], format?: string): string[] {
  const serialsByProblem = new Map<string, string[]>();
  const note = (problem: string, token: ExportToken) => {
    const list = serialsByProblem.get(problem) ?? [];
    list.push(String(token.serial));
    serialsByProblem.set(problem, list);
  };
  for (const token of tokens) {
    if (token.secret instanceof Uint8Array && token.secret.length > 0 && token.secret.length < 16) {
      note(`the secret is only ${token.secret.length * 8} bits, below RFC 4226's 128-bit minimum (160 recommended); replace the token with a fresh seed when you can`, token);
    }
    if (format === "otpauth") for (const problem of otpauthProfileProblems(token)) note(problem, token);
  }
  return [...serialsByProblem].map(([problem, serials]) => `${serialsOf(serials)}: ${problem}`);
}
