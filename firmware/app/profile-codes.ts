/**
 * Codes for a stored profile. Keys are prepared once per profile (HMAC pads cached), so a
 * press costs two compressions on the pure path.
 */
import { NativeDigest, hashAlgorithm, stringBytes } from "../../shared/otp/hash.js";
import { HmacKey, prepareHmacKey } from "../../shared/otp/hmac.js";
import { hotpCode } from "../../shared/otp/hotp.js";
import { Profile } from "../store/records.js";

export function prepareProfileKey(profile: Profile, nativeSha1: NativeDigest | null): HmacKey {
  const hash = hashAlgorithm(profile.algorithm);
  return prepareHmacKey(hash, stringBytes(profile.secret), hash.digestWords === 5 ? nativeSha1 : null);
}

/** The HOTP code for a counter value (RFC 4226). */
export function hotpAt(key: HmacKey, profile: Profile, counter: number): string {
  return hotpCode(key, 0, counter, profile.digits);
}
