/**
 * How the CLI talks to people and scripts: plain lines, or JSON with --json; colour only on a
 * terminal and never with NO_COLOR; errors on stderr with a documented exit code.
 */
import { EXIT, exitCodeFor } from "../index.js";

export { EXIT };

export const EXIT_CODES_HELP = `Exit codes: 0 done; 1 the work failed (token refused or unverified); 2 bad usage or input (nothing done);
3 token unreachable (port, cable, no answer); 4 ledger or escrow refused; 130 interrupted.`;

const useColour = () => process.stdout.isTTY === true && !process.env.NO_COLOR;

export const style = {
  bold: (text: string) => (useColour() ? `\x1b[1m${text}\x1b[22m` : text),
  dim: (text: string) => (useColour() ? `\x1b[2m${text}\x1b[22m` : text),
  good: (text: string) => (useColour() ? `\x1b[32m${text}\x1b[39m` : text),
  bad: (text: string) => (useColour() ? `\x1b[31m${text}\x1b[39m` : text),
};

export function printLine(text = ""): void {
  process.stdout.write(text + "\n");
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** The exit code for an error, and whether it is one we explain (not a bug): see host/errors.ts. */
export const classify = exitCodeFor;

/** Things the user should know that do not stop the command: on stderr, so stdout stays parseable. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
}
