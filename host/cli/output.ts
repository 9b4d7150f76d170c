/**
 * How the CLI talks to people and scripts: plain lines, or JSON with --json; colour only on a
 * terminal and never with NO_COLOR; errors on stderr with a documented exit code.
 */
import { InputError } from "../core/otp.js";
import { TransportError } from "../transport/transport.js";
import { TokenError } from "../device/client.js";
import { ProvisionError } from "../provision/provision-token.js";
import { PortListingError } from "../device/discover.js";
import { IdentityError } from "../device/maintenance.js";
import { ExportError } from "../export/types.js";

/** Exit codes (documented in the README and in `tokensmith --help`). */
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

/** The exit code for an error, and whether it is one we explain (not a bug). */
export function classify(error: unknown): { code: number; known: boolean } {
  // A device that is not the token it claims: the work failed (checked before InputError, its base).
  if (error instanceof IdentityError) return { code: EXIT.failed, known: true };
  if (error instanceof InputError || error instanceof ExportError) return { code: EXIT.usage, known: true };
  if (error instanceof PortListingError) return { code: EXIT.usage, known: true };
  if (error instanceof TransportError) return { code: EXIT.unreachable, known: true };
  if (error instanceof TokenError || error instanceof ProvisionError) return { code: EXIT.failed, known: true };
  const name = (error as Error | undefined)?.name;
  if (name === "LedgerError" || name === "EscrowError") return { code: EXIT.ledger, known: true };
  return { code: EXIT.failed, known: false };
}
