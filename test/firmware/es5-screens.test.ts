/**
 * The ES5 form of the UI runs like Espruino would run it (no hoisting, no Map/Set/...), with a
 * Uint8Array frame, and draws byte-for-byte what the Node build draws; minified too.
 */
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import { minify } from "terser";
import { describe, expect, it } from "vitest";
import { findEs5Problems, runLikeEspruino } from "../../tools/build/es5-check.js";
import { bundleForEspruino } from "../../tools/build/espruino-bundle.js";
import { drawCodeScreen, drawCountdownBar, drawHotpScreen, drawMessageScreen } from "../../firmware/ui/screens.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const entry = path.join(root, "test/firmware/fixtures/screens-entry.ts");

async function variants(): Promise<[string, string][]> {
  const bundle = bundleForEspruino(entry, "X", root);
  const minified = await minify(bundle.code, {
    ecma: 5, compress: { hoist_funs: false, passes: 2 }, mangle: true, format: { ascii_only: true, semicolons: true },
  });
  return [["bundle", bundle.code], ["minified", minified.code!]];
}

describe("firmware/ui in its ES5 form", () => {
  it("bundles only the UI and passes the static checks", () => {
    const bundle = bundleForEspruino(entry, "X", root);
    expect(bundle.modules).toEqual([
      "firmware/ui/canvas.ts", "firmware/ui/digits.ts", "firmware/ui/font.ts", "firmware/ui/screens.ts",
      "test/firmware/fixtures/screens-entry.ts",
    ]);
    expect(findEs5Problems(bundle.code)).toEqual([]);
  });

  it("draws the same bytes as Node into a Uint8Array frame", async () => {
    for (const [name, code] of await variants()) {
      expect(findEs5Problems(code), name).toEqual([]);
      const context = runLikeEspruino(code);
      const frame = vm.runInContext("new Uint8Array(1024)", context) as Uint8Array;
      const node = new Array(1024).fill(0);
      const X = context.X;
      const same = () => expect([...frame], name).toEqual(node);

      X.renderCode(frame, "GitHub alice", "287082", 17, 30);
      drawCodeScreen(node, "GitHub alice", "287082", 17, 30);
      same();
      X.renderBar(frame, 16, 30);
      drawCountdownBar(node, 16, 30);
      same();
      X.renderCode(frame, "a label far too long to fit", "90123456", 59, 60);
      drawCodeScreen(node, "a label far too long to fit", "90123456", 59, 60);
      same();
      X.renderHotp(frame, "Bank", "755224", 4294967295);
      drawHotpScreen(node, "Bank", "755224", 4294967295);
      same();
      X.renderMessage(frame, "NOT SET UP", "SERIAL", "246F28AABBCC");
      drawMessageScreen(node, "NOT SET UP", "SERIAL", "246F28AABBCC");
      same();
    }
  });
});
