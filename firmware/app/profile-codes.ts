/**
 * Codes for a stored profile. Keys are prepared once per profile (HMAC pads cached), so a
 * press costs two compressions on the pure path.
 */
import { NativeDigest, hashAlgorithm, stringBytes } from "../../shared/otp/hash.js";
import { HmacKey, prepareHmacKey } from "../../shared/otp/hmac.js";
import { hotpCode } from "../../shared/otp/hotp.js";
import { totpCode } from "../../shared/otp/totp.js";
import { Profile } from "../store/records.js";

export function prepareProfileKey(profile: Profile, nativeSha1: NativeDigest | null): HmacKey {
  const hash = hashAlgorithm(profile.algorithm);
  return prepareHmacKey(hash, stringBytes(profile.secret), hash.digestWords === 5 ? nativeSha1 : null);
}

/** The TOTP code a profile shows at a Unix time (T0 = 0, RFC 6238 default). */
export function totpAt(key: HmacKey, profile: Profile, unixSeconds: number): string {
  return totpCode(key, unixSeconds, 0, profile.period, profile.digits);
}

/** The HOTP code for a counter value (RFC 4226). */
export function hotpAt(key: HmacKey, profile: Profile, counter: number): string {
  return hotpCode(key, 0, counter, profile.digits);
}
