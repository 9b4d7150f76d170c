/** dist/ is rebuilt before tests when a build input changed after it (tools/build/freshness.ts). */
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUILD_STAMP, staleBecause } from "../../tools/build/freshness.js";

function tree(files: Record<string, number>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "tokensmith-fresh-"));
  for (const [file, seconds] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), "x");
    utimesSync(path.join(root, file), seconds, seconds);
  }
  return root;
}

describe("dist/ freshness", () => {
  it("never built: stale", () => {
    expect(staleBecause(tree({ "firmware/app/token.ts": 1000 }))).toMatch(/has not been built/);
  });

  it("built after every input: fresh", () => {
    expect(staleBecause(tree({ "firmware/app/token.ts": 1000, "host/cli/main.ts": 1500, [BUILD_STAMP]: 2000 }))).toBeNull();
  });

  it("an input edited after the build: stale, naming the file", () => {
    const root = tree({ "firmware/app/token.ts": 1000, "shared/otp/hotp.ts": 3000, [BUILD_STAMP]: 2000 });
    expect(staleBecause(root)).toBe(`${path.join("shared", "otp", "hotp.ts")} changed after the last build`);
  });

  it("files that are not build inputs do not count (tests, docs, node_modules)", () => {
    const root = tree({ "firmware/app/token.ts": 1000, "test/sim/x.test.ts": 3000, "README.md": 3000, "host/node_modules/a/b.js": 3000, "firmware/NOTES.txt": 3000, [BUILD_STAMP]: 2000 });
    expect(staleBecause(root)).toBeNull();
  });
});
