/**
 * Opening the ledger for a command: `--ledger PATH` or the default under the data directory,
 * and the escrow passphrase when it is needed: TOKENSMITH_ESCROW_PASSPHRASE, else a hidden
 * prompt on a terminal. Never echoed, never logged.
 */
import { dataDirectory, defaultLedgerPath, escrowPassphraseFromEnv, InputError, InterruptedError, LEDGER_FILE_NAME, openLedger, type Ledger } from "../index.js";
import path from "node:path";

export const LEDGER_OPTION_HELP = "the ledger file (default: the tokensmith folder in your data directory)";

/** --ledger, else $TOKENSMITH_LEDGER, else ledger.sqlite in the data directory. */
export function ledgerPath(option: string | undefined): string {
  return option ?? process.env.TOKENSMITH_LEDGER ?? (process.env.TOKENSMITH_HOME ? path.join(dataDirectory(), LEDGER_FILE_NAME) : defaultLedgerPath());
}

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(question: string, withoutTerminal = "no terminal to ask for the escrow passphrase: set TOKENSMITH_ESCROW_PASSPHRASE"): Promise<string> {
  if (!process.stdin.isTTY) throw new InputError(withoutTerminal);
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let answer = "";
  try {
    answer = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\r" || char === "\n") {
            stdin.off("data", onData);
            resolve(answer);
            return;
          }
          if (char === "\u0003") {
            stdin.off("data", onData);
            reject(new InterruptedError("cancelled at the passphrase prompt: nothing was done"));
            return;
          }
          if (char === "\u007f") answer = answer.slice(0, -1);
          else answer += char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
  return answer;
}

export const MIN_PASSPHRASE_LENGTH = 8;

/** The environment variable `ledger passphrase` takes the new passphrase from (no prompt). */
export const NEW_PASSPHRASE_ENV = "TOKENSMITH_NEW_ESCROW_PASSPHRASE";

/**
 * A new passphrase, asked twice on the terminal: a typo in a passphrase nobody can check later
 * would lock the escrow for good.
 */
export async function newPassphrase(question: string, withoutTerminal?: string): Promise<string> {
  const first = await promptHidden(question, withoutTerminal);
  const second = await promptHidden("Again, to be sure: ", withoutTerminal);
  if (first !== second) throw new InputError("the two passphrases differ: nothing was set (no escrow created, no token touched); run again");
  return first;
}

/**
 * What a command needs of the ledger. `create`: make the ledger when it is missing (only the
 * commands that provision); otherwise a missing file is an error, not a new ledger. `escrow`:
 * "never" (only reads what is stored in the clear: `ledger list`, `time check`), "when-sealed"
 * (needs management keys, which an escrowed ledger seals), "always" (needs seeds, or creates
 * the escrow).
 */
export interface LedgerUse {
  create: boolean;
  escrow: "never" | "when-sealed" | "always";
}

export const READ_ONLY: LedgerUse = { create: false, escrow: "never" };
export const MAINTAIN: LedgerUse = { create: false, escrow: "when-sealed" };

/** Opens the ledger for `use`, asking for the escrow passphrase only when it is needed. */
export async function openLedgerFor(option: string | undefined, use: LedgerUse): Promise<Ledger> {
  const ledger = openLedger(ledgerPath(option), { create: use.create });
  const sealed = ledger.escrowConfigured();
  if (use.escrow === "always" || (use.escrow === "when-sealed" && sealed)) {
    const fromEnv = escrowPassphraseFromEnv();
    let passphrase: string;
    try {
      passphrase = fromEnv ?? (sealed ? await promptHidden("Escrow passphrase: ") : await newPassphrase("New escrow passphrase (remember it: exports need it): "));
    } catch (error) {
      ledger.close();
      throw error;
    }
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      ledger.close();
      throw new InputError(`the escrow passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
    }
    try {
      ledger.unlockEscrow(passphrase);
    } catch (error) {
      ledger.close();
      if ((error as Error)?.name === "EscrowError") {
        // Say what to do, not only what is wrong (the exit code stays: ledger/escrow refused).
        (error as Error).message +=
          `: give the passphrase ${ledger.path}'s escrow was created with` + (fromEnv !== undefined ? " (TOKENSMITH_ESCROW_PASSPHRASE holds another one)" : "");
      }
      throw error;
    }
  }
  return ledger;
}

/** Runs `work` with the ledger open, closing it however `work` ends. */
export async function withLedger<T>(option: string | undefined, use: LedgerUse, work: (ledger: Ledger) => Promise<T> | T): Promise<T> {
  const ledger = await openLedgerFor(option, use);
  try {
    return await work(ledger);
  } finally {
    ledger.close();
  }
}
