/**
 * The test set for `npm run mutation`'s second part (stryker.firmware.json): the firmware's
 * unit suites on a fake Hal (records and the counter through power cuts and a full flash), the
 * known answers (records, escrow, a flash booted by the token) and the nonce suite, which run
 * the firmware bundled from the mutated sources (TOKENSMITH_SIM_FIRMWARE=source). The
 * simulator's exhaustive power-cut and flash-hygiene suites judge the same code far more slowly
 * (an hour on 2 cores): npm run mutation:app includes them.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/firmware/**/*.test.ts", "test/formats/known-answers.test.ts", "test/sim/nonce.test.ts"],
    exclude: [
      "test/firmware/es5-screens.test.ts", // the ES5 flattener on the sources
      "test/firmware/lua-forms.test.ts", // typescript-to-lua on the sources
    ],
    setupFiles: ["test/sim/wire-scan.setup.ts", "test/property-seed.setup.ts"],
    env: { TOKENSMITH_SIM_FIRMWARE: "source", TOKENSMITH_SOURCES_ONLY: "1" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
