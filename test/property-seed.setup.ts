/**
 * Every property test (fast-check) in every file replays from one seed when asked:
 * TOKENSMITH_PROPERTY_SEED=<seed> npx vitest run ... Without it each run draws new seeds, and a
 * failing property prints its seed (fast-check's "seed: N" in the failure) to replay it with.
 */
import fc from "fast-check";

const given = process.env.TOKENSMITH_PROPERTY_SEED;
if (given !== undefined && given !== "") {
  const seed = Number(given);
  if (!Number.isInteger(seed)) throw new Error(`TOKENSMITH_PROPERTY_SEED=${given}: give the whole number a failure printed`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
