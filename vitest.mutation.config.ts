/**
 * The test set for `npm run mutation:app` (stryker.app.json): every suite that runs
 * firmware/app/ from its sources. The simulator suites count: under
 * TOKENSMITH_SIM_FIRMWARE=source the simulated token runs the firmware bundled from the
 * (mutated) sources. Left out: suites that run dist/ or transpile the sources with the
 * project's own ES5 and Lua builds, which refuse Stryker's instrumentation.
 */
import { defineConfig } from "vitest/config";
import { MUTATION_TEST_SETTINGS, SOURCE_TRANSPILING_SUITES } from "./vitest.mutation-shared.js";

export default defineConfig({
  test: {
    include: ["test/firmware/**/*.test.ts", "test/sim/**/*.test.ts", "test/formats/**/*.test.ts"],
    exclude: [
      ...SOURCE_TRANSPILING_SUITES,
      "test/sim/no-hoisting.test.ts", // reads dist/
      "test/sim/sim-cli.test.ts", // runs the built CLI
      "test/sim/chip-id.test.ts", // runs the built CLI
    ],
    ...MUTATION_TEST_SETTINGS,
  },
});
