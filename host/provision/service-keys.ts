/**
 * Keys that services issued (key URIs, QR codes, a Google Authenticator transfer code), as the
 * profiles of one token: each with its parameters and a label the token can show.
 */
import { LABEL_PUNCTUATION, MAX_LABEL_LENGTH } from "../../shared/label.js";
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
  for (const char of source) {
    const code = char.charCodeAt(0);
    const drawable = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || LABEL_PUNCTUATION.includes(char);
    if (drawable) label += char;
  }
  label = label.replace(/\s+/g, " ").trim().slice(0, MAX_LABEL_LENGTH).trim();
  return label || `Profile ${slot}`;
}
