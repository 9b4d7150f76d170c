/**
 * Espruino defines a function only when execution reaches it. The firmware bundle, with every
 * function declaration turned into an assignment where it stands (withoutHoisting), must
 * still boot and serve the protocol: a use before definition would throw here as on a board.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { withoutHoisting } from "../../tools/build/es5-check.js";
import { artifactPath } from "../../host/paths.js";
import { FIRMWARE_BUNDLE } from "../../hardware/sim/token.js";
import { MKEY, bootToken, press, totpProfile } from "./support.js";
import { readCode } from "./display-reader.js";

describe("the firmware bundle without function hoisting", () => {
  it("boots, provisions and shows a code", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tokensmith-nohoist-")), "firmware.js");
    writeFileSync(file, withoutHoisting(readFileSync(artifactPath(FIRMWARE_BUNDLE), "utf8")));
    const { token, client } = bootToken({ firmwareFile: file });
    expect((await client.hello()).state).toBe("unprovisioned");
    await client.provision("NH-1", MKEY, [totpProfile(Buffer.alloc(20, 5))]);
    press(token);
    expect(readCode(token.display)).toMatch(/^\d{6}$/);
    expect(token.uncaught).toEqual([]);
  });
});
