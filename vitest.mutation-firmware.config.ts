/**
 * The test set for `npm run mutation`'s second part (stryker.firmware.json): the firmware's
 * unit suites on a fake Hal, the known answers (records, escrow, a flash booted by the token),
 * and the simulator suites about flash and nonces, which run the firmware bundled from the
 * mutated sources (TOKENSMITH_SIM_FIRMWARE=source).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/firmware/**/*.test.ts", "test/formats/known-answers.test.ts", "test/sim/power-cut.test.ts", "test/sim/nonce.test.ts", "test/sim/flash-hygiene.test.ts"],
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
