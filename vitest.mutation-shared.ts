/**
 * What the three mutation test sets (vitest.mutation*.config.ts) share: the simulated token
 * runs the firmware bundled from the (mutated) sources, nothing is read from dist/, the wire
 * scan and the property seed are set up as in npm test, and the timeouts allow for Stryker's
 * instrumentation.
 */
export const MUTATION_TEST_SETTINGS = {
  setupFiles: ["test/sim/wire-scan.setup.ts", "test/property-seed.setup.ts"],
  env: { TOKENSMITH_SIM_FIRMWARE: "source", TOKENSMITH_SOURCES_ONLY: "1" },
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

/** Suites that transpile the sources with the project's own builds, which refuse Stryker's instrumentation. */
export const SOURCE_TRANSPILING_SUITES = [
  "test/firmware/es5-screens.test.ts", // the ES5 flattener on the sources
  "test/firmware/lua-forms.test.ts", // typescript-to-lua on the sources
];
