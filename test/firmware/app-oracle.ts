/**
 * Codes and proofs the app suites expect, computed with node:crypto from the RFCs (RFC 4226
 * section 5.3 truncation; TOTP as RFC 6238 section 4.2 defines T), never by the firmware's
 * code. app-commands.test.ts checks this oracle against otplib where otplib has the digits.
 */
import { createHmac } from "node:crypto";
import type { ProfileSpec } from "../../host/device/client.js";

export type Algorithm = "SHA1" | "SHA256";

const nodeHash = (algorithm: Algorithm) => (algorithm === "SHA1" ? "sha1" : "sha256");

/** RFC 4226 HOTP with 6, 7 or 8 digits. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: Algorithm = "SHA1"): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(nodeHash(algorithm), secret).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** RFC 6238 TOTP at `unixSeconds`. */
export function totp(secret: Uint8Array, unixSeconds: number, digits = 6, period = 30, algorithm: Algorithm = "SHA1"): string {
  return hotp(secret, Math.floor(unixSeconds / period), digits, algorithm);
}

/** The code a profile shows at `unixSeconds` (TOTP). */
export function codeOf(profile: ProfileSpec, unixSeconds: number): string {
  return totp(profile.secret, unixSeconds, profile.digits, profile.period ?? 30, profile.algorithm);
}

/** Seconds left in the TOTP window holding `unixSeconds`. */
export function secondsLeft(unixSeconds: number, period = 30): number {
  return period - (unixSeconds % period);
}

/** VERIFY's proof as PROTOCOL.md defines it: hex(HMAC(key, "tokensmith-verify " + nonce)). */
export function verifyMac(key: Uint8Array, nonce: string, algorithm: Algorithm): string {
  return createHmac(nodeHash(algorithm), key).update("tokensmith-verify " + nonce, "latin1").digest("hex");
}
