/**
 * The portable core as Node code uses it: the same functions, with the core's thrown
 * "tokensmith: ..." strings turned into InputError objects (stack, instanceof), and the
 * native digest from node:crypto available on request.
 */
import { createHash } from "node:crypto";
import * as core from "../../shared/core.js";
import { ERROR_PREFIX } from "../../shared/fail.js";
import { InputError } from "../errors.js";
export { InputError };

/** Runs `fn`, converting the core's string errors into InputError. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (typeof error === "string" && error.startsWith(ERROR_PREFIX)) {
      throw new InputError(error.slice(ERROR_PREFIX.length));
    }
    throw error;
  }
}

export type Algorithm = "SHA1" | "SHA256";

/** node:crypto as the core's native digest (identical output; see test/core/hash-seam.test.ts). */
export function nodeNativeDigest(algorithm: Algorithm): (message: string) => string {
  const name = algorithm === "SHA1" ? "sha1" : "sha256";
  return (message) => createHash(name).update(message, "latin1").digest("latin1");
}

export const totp = (secretHex: string, unixSeconds: number, period: number, digits: number, algorithm: Algorithm) =>
  guard(() => core.totp(secretHex, unixSeconds, period, digits, algorithm));

export const hotp = (secretHex: string, counter: number, digits: number, algorithm: Algorithm) =>
  guard(() => core.hotp(secretHex, counter, digits, algorithm));

export const hexToBytes = (text: string) => guard(() => core.hexToBytes(text));
export const base32ToBytes = (text: string) => guard(() => core.base32ToBytes(text));
export const bytesToHex = core.bytesToHex;
export const bytesToBase32 = core.bytesToBase32;
