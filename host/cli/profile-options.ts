/** The profile options provision and batch share, parsed strictly. */
import type { Command } from "commander";
import path from "node:path";
import { checkLabel, DEFAULT_ISSUER, ImportFile, otpauthProfileProblems, InputError, type ImportFileFormat, type ProfileChoice } from "../index.js";
import { parseAlgorithm, parseChoice, parseWhole } from "./options.js";
import { LEDGER_OPTION_HELP } from "./ledger-access.js";

export function addProfileOptions(command: Command): Command {
  return command
    .option("--label <text>", "what the token's display shows above the code: at most 16 of A-Z a-z 0-9, space and - . / ! ? ' ( ) # + ,", "tokensmith")
    .option("--digits <n>", "6 or 8 (Duo: TOTP 6-digit or 8-digit)", "6")
    .option("--period <seconds>", "TOTP time step: 30 or 60", "30")
    .option("--algorithm <name>", "SHA1 (Duo's only choice) or SHA256", "SHA1")
    .option("--hotp", "an HOTP (counter) token instead of TOTP")
    .option("--counter <n>", "HOTP: the starting counter", "0")
    .option("--out <file>", "the import file: one line per verified token, appended and fsynced (0600)")
    .option("--format <format>", "import file format: duo (serial,hex[,60]) or otpauth (one URI per line)", "duo")
    .option("--escrow", "also keep each seed in the ledger, encrypted under a passphrase (TOKENSMITH_ESCROW_PASSPHRASE or a prompt), so `tokensmith export` can write any format later")
    .option("--issuer <name>", `--format otpauth: the issuer authenticator apps list the token under (default: the --otpauth URI's issuer, or ${DEFAULT_ISSUER})`)
    .option("--ledger <file>", LEDGER_OPTION_HELP)
    .option("--json", "machine-readable output");
}

/** The options that make up a profile (commander's names). */
export const PROFILE_OPTIONS = ["label", "digits", "period", "algorithm", "hotp", "counter"];

export interface ProfileFlags {
  label: string;
  digits: string;
  period: string;
  algorithm: string;
  hotp?: boolean;
  counter: string;
  out?: string;
  format: string;
  escrow?: boolean;
  issuer?: string;
  ledger?: string;
  json?: boolean;
}

export function readProfile(o: ProfileFlags, overrides: Partial<ProfileChoice> = {}): ProfileChoice {
  checkLabel(o.label);
  const period = parseChoice(o.period, [30, 60], "--period");
  return {
    label: o.label,
    kind: o.hotp ? "hotp" : "totp",
    algorithm: parseAlgorithm(o.algorithm),
    digits: parseChoice(o.digits, [6, 7, 8], "--digits"),
    period,
    counter: parseWhole(o.counter, 0, 2 ** 31 - 1, "--counter"),
    ...overrides,
  };
}

export function readImportFile(o: ProfileFlags): ImportFile | null {
  if (o.out === undefined) return null;
  if (o.out === "-") throw new InputError("--out - (standard output) is for export: provisioning appends each token's line to a file as it goes, and that file may be the seeds' only copy. Give a file name");
  const format = parseChoice(o.format, ["duo", "otpauth"] as const, "--format") as ImportFileFormat;
  return new ImportFile(path.resolve(o.out), format);
}

/** What phone apps may get wrong about the key URIs this command will write (said before any token is touched). */
export function importFileWarnings(importFile: ImportFile | null, profile: ProfileChoice): string[] {
  if (importFile?.format !== "otpauth") return [];
  return otpauthProfileProblems(profile).map((problem) => `the key URIs written to ${importFile.path}: ${problem}`);
}
