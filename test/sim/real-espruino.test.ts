/**
 * The exact firmware bundle on the genuine Espruino interpreter (Linux build), when ESPRUINO
 * names one; skipped, visibly, otherwise. ESPRUINO_STORE may name a second build with a
 * larger heap for the upload step (see hardware/sim/real-espruino.ts).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { bootOnRealEspruino } from "../../hardware/sim/real-espruino.js";
import { artifactPath } from "../../host/paths.js";

const espruino = process.env.ESPRUINO;

describe.skipIf(!espruino)("firmware on a real Espruino interpreter (ESPRUINO)", () => {
  it("boots from Storage without an exception, within the interpreter's heap", () => {
    const boot = bootOnRealEspruino(readFileSync(artifactPath("dist/espruino/tokensmith-firmware.js"), "utf8"), espruino!, process.env.ESPRUINO_STORE ?? espruino!);
    expect(boot.error).toBe("");
    expect(boot.jsVarsUsed).toBeGreaterThan(0);
    expect(boot.jsVarsUsed).toBeLessThan(boot.jsVarsTotal);
  });
});

describe.skipIf(!!espruino)("firmware on a real Espruino interpreter", () => {
  it.skip("skipped: set ESPRUINO=/path/to/espruino (Espruino's Linux build) to run it", () => {});
});
