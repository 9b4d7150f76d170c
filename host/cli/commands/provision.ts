/** `tokensmith provision`: one token, seeded, clock set, verified, recorded. */
import type { Command } from "commander";
import { checkSeedLength, checkSerialPrefix, checkTokenSerial, DEFAULT_ISSUER, InputError, furtherProfiles, labelForService, MAX_TOKEN_PROFILES, parseSeed, provisionWithLedger, readQrImage, requireSeedDestination, serviceKeys, shortSeedWarning } from "../../index.js";
import { readFileSync } from "node:fs";
import { withClient } from "../session.js";
import { openLedgerFor } from "../ledger-access.js";
import { PROFILE_OPTIONS, addProfileOptions, importFileWarnings, readImportFile, readProfile, type ProfileFlags } from "../profile-options.js";
import { readSecretArgument } from "../options.js";
import { printJson, printLine, printWarnings, style } from "../output.js";

interface ProvisionFlags extends ProfileFlags {
  port?: string;
  serial?: string;
  prefix?: string;
  secretHex?: string;
  secretBase32?: string;
  otpauth?: string[];
  qrImage?: string[];
  keys?: string;
  allowShort?: boolean;
}

export function registerProvision(program: Command): void {
  addProfileOptions(
    program
      .command("provision")
      .description(
        "Provision one token: a fresh 20-byte seed from the CSPRNG (or --secret-hex / --secret-base32 / --otpauth / --qr-image), the clock set to this computer's UTC, the profile written, verified by a keyed proof and by comparing codes, then recorded in the ledger. " +
          "The seed goes only where you say: --out FILE (the import file) and/or --escrow (encrypted in the ledger); it is never stored in plaintext anywhere else or printed.",
      )
      .option("-p, --port <port>", "serial device, tcp://HOST:PORT or sim (default: the one ESP32 board plugged in)")
      .option("--serial <serial>", "the token's serial (A-Z a-z 0-9 . _ -, unique in the ledger)")
      .option("--prefix <prefix>", "or: the next free serial with this prefix (e.g. TS- gives TS-000001)")
      .option("--secret-hex <hex>", "use this seed (hex; - reads stdin)")
      .option("--secret-base32 <base32>", "use this seed (Base32 from an activation QR code; - reads stdin)")
      .option("--otpauth <uri>", "use the seed and parameters of this otpauth:// URI (- reads stdin); again for more profiles on the token; an otpauth-migration:// URI (Google Authenticator's transfer) gives one per account", collect, [])
      .option("--qr-image <file>", "or: of the QR code in this PNG or JPEG image (a screenshot of the service's enrolment page, or a Google Authenticator transfer code); again for more profiles", collect, [])
      .option("--keys <file>", "or: one otpauth:// or otpauth-migration:// URI per line, each key a profile (up to 8 on one token; in this order: each --otpauth, each --qr-image, then --keys)")
      .option("--allow-short", "accept a seed under 128 bits typed by hand (RFC 4226 section 4 forbids it; for legacy keys only). A service's own key from --otpauth or --qr-image is taken as the service issued it, with a warning"),
  ).action(async (o: ProvisionFlags, command: Command) => {
    if ((o.serial === undefined) === (o.prefix === undefined)) throw new InputError("give either --serial SERIAL or --prefix PREFIX");
    if (o.serial !== undefined) checkTokenSerial(o.serial);
    if (o.prefix !== undefined) checkSerialPrefix(o.prefix);
    const importFile = readImportFile(o);
    requireSeedDestination({ importFile, escrow: o.escrow === true });
    // Keys that services issued: every --otpauth, --qr-image and --keys line, in that order.
    const uris: string[] = [];
    for (const uri of o.otpauth ?? []) uris.push(await readSecretArgument(uri));
    for (const file of o.qrImage ?? []) uris.push(await readQrImage(file));
    if (o.keys !== undefined) uris.push(...readKeysFile(o.keys));
    const keys = serviceKeys(uris);
    if (keys.length > MAX_TOKEN_PROFILES) throw new InputError(`${keys.length} keys given; a token holds at most ${MAX_TOKEN_PROFILES} profiles: provision the rest onto another token`);
    const typed = o.secretHex !== undefined || o.secretBase32 !== undefined;
    if (typed && keys.length > 0) throw new InputError("give the seed one way: --secret-hex/--secret-base32, or keys from --otpauth/--qr-image/--keys");
    const given =
      keys.length > 0
        ? { seed: keys[0].seed, from: "otpauth" as const, otpauth: keys[0].parameters }
        : typed
          ? parseSeed({
              hex: o.secretHex === undefined ? undefined : await readSecretArgument(o.secretHex),
              base32: o.secretBase32 === undefined ? undefined : await readSecretArgument(o.secretBase32),
            })
          : null;
    // A service's own key (from its URI) has the length the service chose: taken, with a warning.
    if (given) checkSeedLength(given.seed, o.allowShort === true || given.otpauth !== undefined);
    for (const key of keys.slice(1)) checkSeedLength(key.seed, true);
    const uri = given?.otpauth;
    const labelGiven = command.getOptionValueSource("label") === "cli";
    const profile = readProfile(o, {
      ...(uri?.kind ? { kind: uri.kind } : {}),
      ...(uri?.algorithm ? { algorithm: uri.algorithm } : {}),
      ...(uri?.digits ? { digits: uri.digits } : {}),
      ...(uri?.period ? { period: uri.period } : {}),
      ...(uri?.counter !== undefined ? { counter: uri.counter } : {}),
      // Several services' keys: each profile is named after its service unless --label says.
      ...(keys.length > 1 && !labelGiven ? { label: labelForService(keys[0], 1) } : {}),
    });
    const extraProfiles = furtherProfiles(keys);
    printWarnings(importFileWarnings(importFile, profile));
    const ledger = await openLedgerFor(o.ledger, { create: true, escrow: o.escrow === true ? "always" : "when-sealed" });
    try {
      const done = await withClient(o.port, (client) =>
        provisionWithLedger(
          client,
          {
            ledger, profile, importFile, escrow: o.escrow === true, seed: given?.seed, extraProfiles, issuer: o.issuer ?? uri?.issuer ?? DEFAULT_ISSUER, now: () => Math.floor(Date.now() / 1000),
            profileGiven: uri !== undefined || PROFILE_OPTIONS.some((name) => command.getOptionValueSource(name) === "cli"),
          },
          null,
          () => o.serial ?? ledger.reserveSerials(o.prefix!, 1)[0],
        ),
      );
      const warning = given ? shortSeedWarning(given.seed, given.otpauth ? (given.otpauth.issuer ?? "the service") : undefined) : null;
      if (warning) process.stderr.write(warning + "\n");
      for (const [i, key] of keys.slice(1).entries()) {
        const short = shortSeedWarning(key.seed, key.issuer ?? "the service");
        if (short) process.stderr.write(short.replace("this seed", `profile ${i + 2}'s seed`) + "\n");
      }
      const profiles = [profile.label, ...extraProfiles.map((e) => e.profile.label)];
      if (o.json) {
        printJson({ ...done, profiles, importFile: importFile?.path ?? null, escrow: o.escrow === true, ledger: ledger.path });
        return;
      }
      printLine(`${style.good("provisioned")} ${done.serial} (chip ${done.tokenId})${done.resumed ? ", resumed" : ""}: verified; clock ${done.offsetBefore === null ? "was lost, now set" : `was ${done.offsetBefore >= 0 ? "+" : ""}${done.offsetBefore} s off, now set`}`);
      if (profiles.length > 1) printLine(`profiles   ${profiles.map((label, i) => `${i + 1}: ${label}`).join(", ")} (a long press shows the next)`);
      if (importFile) printLine(`import line appended to ${importFile.path}${profiles.length > 1 ? " (profile 1's; the services that issued the others hold them)" : ""}`);
      if (o.escrow) printLine(`seed escrowed in ${ledger.path}`);
    } finally {
      ledger.close();
    }
  });
}

/** Repeatable options collect into a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A --keys file: one key URI per line; blank lines and # comments skipped. */
function readKeysFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the keys file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) throw new InputError(`the keys file ${file} holds no key URI (one otpauth:// or otpauth-migration:// URI per line)`);
  return lines;
}
