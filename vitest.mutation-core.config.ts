/**
 * The test set for `npm run mutation`'s first part (stryker.core.json): the unit suites of the
 * portable core, on the runtimes that run its sources (Node), and the tables of the serial and
 * label rules (asked of the token, bundled from the sources). The simulator suites exercise the
 * core too, but judging each core mutant by hundreds of token sessions would take hours; the
 * core's own suites hold its vectors and properties.
 */
import { defineConfig } from "vitest/config";
import { MUTATION_TEST_SETTINGS } from "./vitest.mutation-shared.js";

export default defineConfig({
  test: {
    // With the two rule tables (serials, labels), which ask the token itself.
    include: ["test/core/**/*.test.ts", "test/protocol/**/*.test.ts", "test/sim/serial-rule.test.ts", "test/sim/label-rule.test.ts"],
    exclude: ["test/protocol/portable.test.ts"], // the ES5 flattener on the sources
    ...MUTATION_TEST_SETTINGS,
  },
});
