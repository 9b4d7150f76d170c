/** `tokensmith code`: codes from a seed you hold, like oathtool. */
import type { Command } from "commander";
import { computeCodes, InputError, parseSeed, parseTime, shortSeedWarning } from "../../index.js";
import { printJson, printLine } from "../output.js";
import { readSecretArgument, parseAlgorithm, parseChoice, parseWhole } from "../options.js";

export function registerCode(program: Command): void {
  program
    .command("code")
    .description("Compute TOTP/HOTP codes from a seed you hold (like oathtool). The seed comes from --secret-hex (or --secret, as oathtool users type it), --secret-base32 or --otpauth; pass - to read it from stdin so it stays out of your shell history.")
    .option("--secret-hex <hex>", "the seed in hex (Duo's form), as provision takes it")
    .option("--secret <hex>", "the same as --secret-hex")
    .option("--secret-base32 <base32>", "the seed in Base32 (authenticator apps, Entra)")
    .option("--otpauth <uri>", "an otpauth:// URI (its parameters become the defaults)")
    .option("--hotp", "HOTP (counter-based) instead of TOTP")
    .option("--counter <n>", "HOTP: the counter", "0")
    .option("--time <when>", "TOTP: Unix seconds, UTC ISO 8601 (2026-11-22T12:00:00Z) or now", "now")
    .option("--period <seconds>", "TOTP time step (30 or 60 usually)")
    .option("--digits <n>", "6, 7 or 8")
    .option("--algorithm <name>", "SHA1 or SHA256")
    .option("--window <n>", "also show the next N windows (TOTP) or counters (HOTP)", "0")
    .option("--json", "machine-readable output")
    .action(async (o) => {
      if (o.secret !== undefined && o.secretHex !== undefined) throw new InputError("give the hex seed once: --secret-hex or --secret, not both");
      const hex = o.secretHex ?? o.secret;
      const seed = parseSeed({
        hex: hex === undefined ? undefined : await readSecretArgument(hex),
        base32: o.secretBase32 === undefined ? undefined : await readSecretArgument(o.secretBase32),
        otpauth: o.otpauth === undefined ? undefined : await readSecretArgument(o.otpauth),
      });
      const uri = seed.otpauth;
      const kind = o.hotp ? "hotp" : (uri?.kind ?? "totp");
      const codes = computeCodes({
        secretHex: Buffer.from(seed.seed).toString("hex"),
        kind,
        algorithm: o.algorithm ? parseAlgorithm(o.algorithm) : (uri?.algorithm ?? "SHA1"),
        digits: o.digits ? parseChoice(o.digits, [6, 7, 8], "--digits") : (uri?.digits ?? 6),
        period: o.period ? parseWhole(o.period, 1, 65535, "--period") : (uri?.period ?? 30),
        time: parseTime(o.time, () => Math.floor(Date.now() / 1000)),
        counter: o.counter !== "0" || uri?.counter === undefined ? parseWhole(o.counter, 0, 2 ** 32 - 1, "--counter") : uri.counter,
        window: parseWhole(o.window, 0, 100, "--window"),
      });
      const warning = shortSeedWarning(seed.seed);
      if (warning) process.stderr.write(warning + "\n");
      if (o.json) printJson(codes.map((c) => (kind === "hotp" ? { counter: c.at, code: c.code } : { windowStart: c.at, code: c.code })));
      else if (codes.length === 1) printLine(codes[0].code);
      else for (const c of codes) printLine(kind === "hotp" ? `${c.at}\t${c.code}` : `${new Date(c.at * 1000).toISOString()}\t${c.code}`);
    });
}
