/**
 * The test set for `npm run mutation:app` (stryker.app.json): every suite that runs
 * firmware/app/ from its sources. The simulator suites count: under
 * TOKENSMITH_SIM_FIRMWARE=source the simulated token runs the firmware bundled from the
 * (mutated) sources. Left out: suites that run dist/ or transpile the sources with the
 * project's own ES5 and Lua builds, which refuse Stryker's instrumentation.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/firmware/**/*.test.ts", "test/sim/**/*.test.ts", "test/formats/**/*.test.ts"],
    exclude: [
      "test/firmware/es5-screens.test.ts", // the ES5 flattener on the sources
      "test/firmware/lua-forms.test.ts", // typescript-to-lua on the sources
      "test/sim/no-hoisting.test.ts", // reads dist/
      "test/sim/sim-cli.test.ts", // runs the built CLI
      "test/sim/chip-id.test.ts", // runs the built CLI
    ],
    setupFiles: ["test/sim/wire-scan.setup.ts", "test/property-seed.setup.ts"],
    env: { TOKENSMITH_SIM_FIRMWARE: "source", TOKENSMITH_SOURCES_ONLY: "1" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
