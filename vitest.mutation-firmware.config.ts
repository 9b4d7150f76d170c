/**
 * The test set for `npm run mutation`'s second part (stryker.firmware.json): the firmware's
 * unit suites on a fake Hal (records and the counter through power cuts and a full flash), the
 * known answers (records, escrow, a flash booted by the token) and the nonce suite, which run
 * the firmware bundled from the mutated sources (TOKENSMITH_SIM_FIRMWARE=source). The
 * simulator's exhaustive power-cut and flash-hygiene suites would judge the same code far more
 * slowly (an hour on 2 cores); they run in npm test.
 */
import { defineConfig } from "vitest/config";
import { MUTATION_TEST_SETTINGS, SOURCE_TRANSPILING_SUITES } from "./vitest.mutation-shared.js";

export default defineConfig({
  test: {
    include: ["test/firmware/**/*.test.ts", "test/formats/known-answers.test.ts", "test/sim/nonce.test.ts"],
    exclude: SOURCE_TRANSPILING_SUITES,
    ...MUTATION_TEST_SETTINGS,
  },
});
