/**
 * Before any test: dist/ must be built from the sources as they are (tools/build/freshness.ts).
 * `npm test` builds first, so this does nothing there; `npx vitest run test/sim` after an edit
 * rebuilds instead of silently testing the old bundle.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { staleBecause } from "../tools/build/freshness.js";

export default function rebuildStaleDist(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const reason = staleBecause(root);
  if (reason === null) return;
  process.stderr.write(`dist/ is stale (${reason}): building it before the tests\n`);
  execFileSync(process.execPath, ["--import", "tsx", "tools/build/build.ts"], { cwd: root, stdio: "inherit" });
}
