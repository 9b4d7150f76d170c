/**
 * The test set for `npm run mutation`'s third part (stryker.app.json): the firmware's app
 * (commands.ts, token.ts) run in the test process on the simulator's parts (test/firmware/
 * app-rig.ts) and driven over its UART, its button and time. They judge a mutant in
 * milliseconds; the simulator suites, which run the same program as a bundle, would take hours.
 */
import { defineConfig } from "vitest/config";
import { MUTATION_TEST_SETTINGS } from "./vitest.mutation-shared.js";

export default defineConfig({
  test: {
    include: ["test/firmware/app-*.test.ts"],
    ...MUTATION_TEST_SETTINGS,
  },
});
