/**
 * Keys that services issued (key URIs, QR codes, a Google Authenticator transfer code), as the
 * profiles of one token: each with its parameters and a label the token can show.
 */
import { firstBadLabelCharacter, MAX_LABEL_LENGTH } from "../../shared/label.js";
import type { TokenProfile } from "../ledger/ledger.js";
import { parseMigrationUri } from "./migration.js";
import { parseOtpauth, type OtpauthParameters } from "./seeds.js";

export interface ServiceKey {
  seed: Uint8Array;
  parameters: OtpauthParameters;
  /** Who issued it, for labels and warnings ("Autotask"), when the URI says. */
  issuer?: string;
  account?: string;
}

/** Every key in these URIs: an otpauth:// URI is one, an otpauth-migration:// URI one per account. */
export function serviceKeys(uris: readonly string[]): ServiceKey[] {
  return uris.flatMap((uri) => {
    if (uri.trim().toLowerCase().startsWith("otpauth-migration:")) {
      return parseMigrationUri(uri).map((a) => ({ seed: a.secret, parameters: a.parameters, issuer: a.parameters.issuer, account: a.name || undefined }));
    }
    const { seed, parameters } = parseOtpauth(uri.trim());
    return [{ seed, parameters, issuer: parameters.issuer, account: parameters.account }];
  });
}

/**
 * A label the token's font can draw for a service's key: its issuer (else its account name),
 * characters the display lacks dropped, at most 16; "Profile N" when nothing is left.
 */
export function labelForService(key: Pick<ServiceKey, "issuer" | "account">, slot: number): string {
  const source = key.issuer || key.account || "";
  let label = "";
  for (const char of source) if (firstBadLabelCharacter(char) < 0) label += char; // the label rule, one character at a time
  label = label.replace(/\s+/g, " ").trim().slice(0, MAX_LABEL_LENGTH).trim();
  return label || `Profile ${slot}`;
}

/** Profiles 2 onwards of a token: the keys after the first, each named after its service. */
export function furtherProfiles(keys: readonly ServiceKey[]): Array<{ seed: Uint8Array; profile: TokenProfile }> {
  return keys.slice(1).map((key, i) => ({
    seed: key.seed,
    profile: {
      label: labelForService(key, i + 2),
      kind: key.parameters.kind,
      algorithm: key.parameters.algorithm ?? "SHA1",
      digits: key.parameters.digits ?? 6,
      period: key.parameters.period ?? 30,
      counter: key.parameters.counter ?? 0,
    },
  }));
}
