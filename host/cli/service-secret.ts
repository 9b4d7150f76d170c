/**
 * The secret of an identity service's API application (Duo's secret key, an Entra app's client
 * secret): from its environment variable, else the ledger's escrow (kept there by an earlier
 * --keep-* run), else a hidden prompt. Never from argv, never echoed or logged.
 */
import { InputError, type Ledger } from "../index.js";
import { promptHidden } from "./ledger-access.js";

export interface ServiceSecretSource {
  /** The environment variable that may hold it. */
  env: string;
  /** Its name in the escrow (per account: one ledger can serve several). */
  credentialName: string;
  /** What to call it in the prompt and messages ("Duo secret key"). */
  title: string;
  /** The option that keeps it in the escrow. */
  keepOption: string;
}

export type SecretOrigin = "environment" | "escrow" | "prompt";

export async function serviceSecret(ledger: Ledger, source: ServiceSecretSource): Promise<{ secret: string; from: SecretOrigin }> {
  const fromEnv = process.env[source.env];
  if (fromEnv) return { secret: fromEnv, from: "environment" };
  if (ledger.escrowUnlocked && ledger.hasCredential(source.credentialName)) return { secret: ledger.credential(source.credentialName)!, from: "escrow" };
  const typed = await promptHidden(`${source.title}: `, `no terminal to ask for the ${source.title}: set ${source.env} (or keep it in the escrow with ${source.keepOption} once)`);
  if (!typed) throw new InputError(`no ${source.title} given`);
  return { secret: typed, from: "prompt" };
}

/** Whether the ledger must be unlocked to read a kept secret (none in the environment). */
export function needsEscrowForSecret(ledger: Ledger, source: ServiceSecretSource): boolean {
  return !process.env[source.env] && ledger.hasCredential(source.credentialName);
}
