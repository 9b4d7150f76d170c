/**
 * NONCE values: single-use challenges for authorised commands (PROTOCOL.md, Authorisation).
 *
 * A nonce must never repeat, or a recorded authorised frame could be replayed, and must not be
 * guessable. Espruino's E.hwRand on an ESP32 is a multiply-with-carry generator with fixed
 * start values, never reseeded: alone it gives every board the same first nonce after every
 * boot. So uniqueness comes from a counter in flash, advanced before the nonce is issued
 * (store/counter.ts), and the chip id; the platform's entropy is mixed in through SHA-256 so
 * that, where there is any, the nonce cannot be predicted either:
 *
 *   nonce = first 16 bytes of SHA-256("tokensmith-nonce " + chip id + " " + counter + " " + entropy)
 */
import type { Hal } from "../platform/hal.js";
import { SHA256, byteString, digest, stringBytes } from "../../shared/otp/hash.js";
import { bytesToHex } from "../../shared/codec/hex.js";
import { advanceCounter } from "../store/counter.js";

export const NONCE_BYTES = 16;

/** A fresh nonce as 32 lowercase hex digits, or "" when flash could not advance the counter. */
export function newNonce(hal: Hal): string {
  const count = advanceCounter(hal);
  if (count < 0) {
    return "";
  }
  const seed = "tokensmith-nonce " + hal.deviceId() + " " + String(count) + " " + byteString(hal.randomBytes(NONCE_BYTES));
  const hash = digest(SHA256, stringBytes(seed));
  const bytes: number[] = [];
  for (let i = 0; i < NONCE_BYTES; i++) {
    bytes.push(hash[i]);
  }
  return bytesToHex(bytes);
}
