/** `tokensmith provision`: one token, seeded, clock set, verified, recorded. */
import type { Command } from "commander";
import { checkSeedLength, checkSerialPrefix, checkTokenSerial, DEFAULT_ISSUER, InputError, parseSeed, provisionWithLedger, readQrImage, requireSeedDestination, shortSeedWarning } from "../../index.js";
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
  otpauth?: string;
  qrImage?: string;
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
      .option("--otpauth <uri>", "use the seed and parameters of this otpauth:// URI (- reads stdin)")
      .option("--qr-image <file>", "or: of the otpauth:// QR code in this PNG or JPEG image (a screenshot of the service's enrolment page)")
      .option("--allow-short", "accept a seed under 128 bits typed by hand (RFC 4226 section 4 forbids it; for legacy keys only). A service's own key from --otpauth or --qr-image is taken as the service issued it, with a warning"),
  ).action(async (o: ProvisionFlags, command: Command) => {
    if ((o.serial === undefined) === (o.prefix === undefined)) throw new InputError("give either --serial SERIAL or --prefix PREFIX");
    if (o.serial !== undefined) checkTokenSerial(o.serial);
    if (o.prefix !== undefined) checkSerialPrefix(o.prefix);
    const importFile = readImportFile(o);
    requireSeedDestination({ importFile, escrow: o.escrow === true });
    if (o.qrImage !== undefined && o.otpauth !== undefined) throw new InputError("give --otpauth or --qr-image, not both");
    const otpauth = o.qrImage !== undefined ? await readQrImage(o.qrImage) : o.otpauth === undefined ? undefined : await readSecretArgument(o.otpauth);
    const given =
      o.secretHex !== undefined || o.secretBase32 !== undefined || otpauth !== undefined
        ? parseSeed({
            hex: o.secretHex === undefined ? undefined : await readSecretArgument(o.secretHex),
            base32: o.secretBase32 === undefined ? undefined : await readSecretArgument(o.secretBase32),
            otpauth,
          })
        : null;
    // A service's own key (from its URI) has the length the service chose: taken, with a warning.
    if (given) checkSeedLength(given.seed, o.allowShort === true || given.otpauth !== undefined);
    const uri = given?.otpauth;
    const profile = readProfile(o, {
      ...(uri?.kind ? { kind: uri.kind } : {}),
      ...(uri?.algorithm ? { algorithm: uri.algorithm } : {}),
      ...(uri?.digits ? { digits: uri.digits } : {}),
      ...(uri?.period ? { period: uri.period } : {}),
      ...(uri?.counter !== undefined ? { counter: uri.counter } : {}),
    });
    printWarnings(importFileWarnings(importFile, profile));
    const ledger = await openLedgerFor(o.ledger, { create: true, escrow: o.escrow === true ? "always" : "when-sealed" });
    try {
      const done = await withClient(o.port, (client) =>
        provisionWithLedger(
          client,
          {
            ledger, profile, importFile, escrow: o.escrow === true, seed: given?.seed, issuer: o.issuer ?? uri?.issuer ?? DEFAULT_ISSUER, now: () => Math.floor(Date.now() / 1000),
            profileGiven: uri !== undefined || PROFILE_OPTIONS.some((name) => command.getOptionValueSource(name) === "cli"),
          },
          null,
          () => o.serial ?? ledger.reserveSerials(o.prefix!, 1)[0],
        ),
      );
      const warning = given ? shortSeedWarning(given.seed, given.otpauth ? (given.otpauth.issuer ?? "the service") : undefined) : null;
      if (warning) process.stderr.write(warning + "\n");
      if (o.json) {
        printJson({ ...done, importFile: importFile?.path ?? null, escrow: o.escrow === true, ledger: ledger.path });
        return;
      }
      printLine(`${style.good("provisioned")} ${done.serial} (chip ${done.tokenId})${done.resumed ? ", resumed" : ""}: verified; clock ${done.offsetBefore === null ? "was lost, now set" : `was ${done.offsetBefore >= 0 ? "+" : ""}${done.offsetBefore} s off, now set`}`);
      if (importFile) printLine(`import line appended to ${importFile.path}`);
      if (o.escrow) printLine(`seed escrowed in ${ledger.path}`);
    } finally {
      ledger.close();
    }
  });
}
