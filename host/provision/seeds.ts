/**
 * Seeds: drawn from the CSPRNG, or taken from what administrators have (hex for Duo, Base32
 * from an activation QR code, a whole otpauth:// URI), with the RFC 4226 length rule.
 */
import { randomBytes } from "node:crypto";
import { InputError, base32ToBytes, bytesToBase32, hexToBytes } from "../core/otp.js";

/** RFC 4226 section 4 (R6): the shared secret MUST be at least 128 bits. */
export const MIN_SEED_BYTES = 16;
/** RFC 4226 section 4 recommends 160 bits: the default for new seeds. */
export const DEFAULT_SEED_BYTES = 20;
/** The token stores at most 64 bytes per secret (one SHA block). */
export const MAX_SEED_BYTES = 64;

export function generateSeed(bytes = DEFAULT_SEED_BYTES): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

export interface SeedSource {
  hex?: string;
  base32?: string;
  otpauth?: string;
}

/** What an otpauth:// URI says besides the secret (Key Uri Format). */
export interface OtpauthParameters {
  kind: "totp" | "hotp";
  issuer?: string;
  account?: string;
  algorithm?: "SHA1" | "SHA256";
  digits?: number;
  period?: number;
  counter?: number;
}

export interface ParsedSeed {
  seed: Uint8Array;
  from: "hex" | "base32" | "otpauth";
  otpauth?: OtpauthParameters;
}

/** Parses an otpauth:// URI; errors say which part is wrong (never echoing the secret). */
export function parseOtpauth(uri: string): { seed: Uint8Array; parameters: OtpauthParameters } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InputError("the otpauth URI is not a URI: it looks like otpauth://totp/Issuer:account?secret=...");
  }
  if (url.protocol !== "otpauth:") throw new InputError(`the URI scheme is "${url.protocol}", not otpauth:`);
  const kind = url.hostname.toLowerCase();
  if (kind !== "totp" && kind !== "hotp") throw new InputError(`otpauth type "${kind}" is not totp or hotp`);
  const secret = url.searchParams.get("secret");
  if (!secret) throw new InputError("the otpauth URI has no secret= parameter");
  let label: string;
  try {
    label = decodeURIComponent(url.pathname.replace(/^\//, ""));
  } catch {
    throw new InputError("the otpauth URI's name (between otpauth://totp/ and ?) has a broken %-escape: each % must be followed by two hex digits, as in %20 or %3A");
  }
  const colon = label.indexOf(":");
  const parameters: OtpauthParameters = { kind };
  parameters.account = colon >= 0 ? label.slice(colon + 1).trim() : label;
  const issuer = url.searchParams.get("issuer") ?? (colon >= 0 ? label.slice(0, colon) : undefined);
  if (issuer) parameters.issuer = issuer;
  const algorithm = url.searchParams.get("algorithm");
  if (algorithm !== null) {
    const name = algorithm.toUpperCase().replace("-", "");
    if (name !== "SHA1" && name !== "SHA256") throw new InputError(`otpauth algorithm ${algorithm} is not supported (SHA1 or SHA256)`);
    parameters.algorithm = name;
  }
  const number = (key: string, min: number, max: number) => {
    const text = url.searchParams.get(key);
    if (text === null) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`otpauth ${key}=${text} must be a whole number from ${min} to ${max}`);
    return value;
  };
  parameters.digits = number("digits", 6, 8);
  parameters.period = number("period", 1, 65535);
  parameters.counter = number("counter", 0, 2 ** 31 - 1);
  return { seed: new Uint8Array(base32ToBytes(secret)), parameters };
}

/** The seed from exactly one of hex, Base32 or an otpauth URI. */
export function parseSeed(source: SeedSource): ParsedSeed {
  const given = (["hex", "base32", "otpauth"] as const).filter((key) => source[key] !== undefined);
  if (given.length > 1) throw new InputError(`give the seed once: ${given.map((g) => `--secret-${g === "otpauth" ? "otpauth" : g}`).join(" and ")} both given`);
  if (source.hex !== undefined) return { seed: new Uint8Array(hexToBytes(source.hex)), from: "hex" };
  if (source.base32 !== undefined) return { seed: new Uint8Array(base32ToBytes(source.base32)), from: "base32" };
  if (source.otpauth !== undefined) {
    const { seed, parameters } = parseOtpauth(source.otpauth);
    return { seed, from: "otpauth", otpauth: parameters };
  }
  throw new InputError("no seed given");
}

/** Refuses seeds under 128 bits unless allowed, and over what the token can hold. */
export function checkSeedLength(seed: Uint8Array, allowShort: boolean): void {
  if (seed.length === 0) throw new InputError("the seed is empty");
  if (seed.length > MAX_SEED_BYTES) throw new InputError(`the seed is ${seed.length} bytes; a token holds at most ${MAX_SEED_BYTES}`);
  if (seed.length < MIN_SEED_BYTES && !allowShort) {
    throw new InputError(
      `the seed is ${seed.length * 8} bits; RFC 4226 section 4 requires at least 128 bits (160 recommended). ` +
        "Pass --allow-short to use it anyway (for example a 16-character Base32 key from an old token).",
    );
  }
}

/**
 * A warning for seeds under 128 bits that were allowed, or null. `chosenBy`: the service whose
 * key URI (or QR code) it came from, which chose its length (Autotask's keys are 80 bits).
 */
export function shortSeedWarning(seed: Uint8Array, chosenBy?: string): string | null {
  if (seed.length >= MIN_SEED_BYTES) return null;
  const warning = `warning: this seed is only ${seed.length * 8} bits, below RFC 4226's 128-bit minimum`;
  return chosenBy === undefined ? warning : `${warning}: ${chosenBy}'s choice, taken as its key URI gives it (a seed typed by hand needs --allow-short)`;
}

export interface ConvertedSeed {
  hex: string;
  base32: string;
  bits: number;
  from: "hex" | "base32" | "otpauth";
  warning: string | null;
}

/** Detects hex / Base32 / otpauth unless told; refuses to guess when both codecs accept it. */
export function convertSeed(value: string, from?: "hex" | "base32" | "otpauth"): ConvertedSeed {
  let source = from;
  if (source === undefined) {
    if (value.trim().toLowerCase().startsWith("otpauth://")) source = "otpauth";
    else {
      const asHex = attempt(() => hexToBytes(value));
      const asBase32 = attempt(() => base32ToBytes(value));
      if (asHex === "" && asBase32 === "") throw new InputError("this value is valid both as hex and as Base32: say which with --from hex or --from base32");
      if (asHex !== "" && asBase32 !== "") throw new InputError(`this is neither hex (${asHex}) nor Base32 (${asBase32})`);
      source = asHex === "" ? "hex" : "base32";
    }
  }
  const parsed = parseSeed({ [source]: value });
  const seed = parsed.seed;
  return {
    hex: Buffer.from(seed).toString("hex"),
    base32: bytesToBase32([...seed], false),
    bits: seed.length * 8,
    from: parsed.from,
    warning: shortSeedWarning(seed),
  };
}

/** "" when fn succeeds, else its error message. */
function attempt(fn: () => unknown): string {
  try {
    fn();
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}
