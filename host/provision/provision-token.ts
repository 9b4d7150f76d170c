/**
 * One token, end to end on the wire: HELLO, set the clock, PROVISION, VERIFY every profile.
 * Writes nothing on the host: the caller records the result (ledger, import file) only after
 * this returns, so a failure leaves nothing recorded and a token a re-run can fix (the
 * caller keeps the management key it passes here before calling, see batch.ts).
 */
import { randomBytes } from "node:crypto";
import { TokenClient, TokenError, type Hello, type ProfileSpec } from "../device/client.js";
import { PROTOCOL_VERSION } from "../../shared/protocol/frame.js";
import { ProvisionError } from "../errors.js";
export { ProvisionError };

export interface ProvisionRequest {
  serial: string;
  profiles: ProfileSpec[];
  /** The new management key (the caller has already stored it). */
  managementKey: Uint8Array;
  /** The token's current key, to re-provision a provisioned token. */
  currentManagementKey?: Uint8Array;
  /** The host's UTC clock, whole seconds. */
  now: () => number;
}

export interface ProvisionResult {
  hello: Hello;
  /** Token clock minus host clock before the sync, seconds (null when its clock was lost). */
  offsetBefore: number | null;
}

/**
 * After the sync the token's clock may be this far from the host's: the round trips between
 * TIME_SET and VERIFY take well under a second.
 */
export const PROVISIONED_CLOCK_TOLERANCE_SECONDS = 2;

export const TOKEN_MODEL_PREFIX = "tokensmith-";

/** Checks that the device is a tokensmith token speaking our protocol version. */
export function assertTokensmith(hello: Hello): void {
  if (!hello.model.startsWith(TOKEN_MODEL_PREFIX)) {
    throw new ProvisionError(`the device answered as "${hello.model}", not a tokensmith token: install the firmware first (tokensmith install)`);
  }
  if (hello.protocol !== PROTOCOL_VERSION) {
    throw new ProvisionError(
      `the token speaks protocol ${hello.protocol}; this tokensmith speaks ${PROTOCOL_VERSION}: ${hello.protocol < PROTOCOL_VERSION ? "update the token's firmware (tokensmith install)" : "update tokensmith"}`,
    );
  }
}

export async function provisionToken(client: TokenClient, request: ProvisionRequest): Promise<ProvisionResult> {
  const hello = await client.hello();
  assertTokensmith(hello);
  if (hello.state !== "unprovisioned" && hello.state !== "needs_setup" && !request.currentManagementKey) {
    throw new ProvisionError(
      `the token is already provisioned${hello.serial ? ` as ${hello.serial}` : ""}: wipe it first (tokensmith wipe), or re-provision it from the ledger that holds its management key`,
    );
  }
  // The clock first: a token provisioned with a wrong clock would show wrong codes.
  const offsetBefore = hello.clockOk ? hello.time - request.now() : null;
  await client.setTime(request.now(), request.currentManagementKey);
  try {
    await client.provision(request.serial, request.managementKey, request.profiles, request.currentManagementKey);
  } catch (error) {
    if (error instanceof TokenError) throw new ProvisionError(`the token refused the profiles: ${error.message} (${error.code})`);
    throw error;
  }
  for (let i = 0; i < request.profiles.length; i++) {
    const profile = request.profiles[i];
    const result = await client.verify(i + 1, profile.secret, profile.algorithm);
    if (!result.proven) {
      throw new ProvisionError(`profile ${i + 1}: the token's proof does not match the seed sent: the token is not usable; wipe it and provision again`);
    }
    // The token proves the seed; its codes are then right exactly when its clock is.
    const off = result.time - request.now();
    if (!result.clockOk || Math.abs(off) > PROVISIONED_CLOCK_TOLERANCE_SECONDS) {
      throw new ProvisionError(
        `profile ${i + 1}: the token's clock is ${result.clockOk ? `${off} s off` : "lost"} right after it was set: its codes would be wrong; check its RTC (DS3231) and provision again`,
      );
    }
  }
  return { hello, offsetBefore };
}

/** A fresh management key: 32 bytes from the CSPRNG (an HMAC-SHA-256 key). */
export function newManagementKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
