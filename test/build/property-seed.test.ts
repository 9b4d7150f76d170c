/** TOKENSMITH_PROPERTY_SEED reaches every fast-check property (test/property-seed.setup.ts). */
import { describe, expect, it } from "vitest";
import fc from "fast-check";

describe("property seeds", () => {
  it("a given seed replays the same values; without one, fast-check draws its own", () => {
    const draw = () => fc.sample(fc.integer(), { numRuns: 5, seed: fc.readConfigureGlobal().seed });
    const given = process.env.TOKENSMITH_PROPERTY_SEED;
    if (given !== undefined && given !== "") {
      expect(fc.readConfigureGlobal().seed).toBe(Number(given));
      expect(draw()).toEqual(draw());
    } else {
      expect(fc.readConfigureGlobal().seed).toBeUndefined();
    }
  });
});
