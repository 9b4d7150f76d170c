/**
 * Whether dist/ was built from the sources as they are now. The simulator, CLI, install and
 * bundle suites run dist/, so a test run after an edit without a build would test the old code
 * and pass; test/global-setup.ts asks this before any test runs and rebuilds when it says so.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** Written by tools/build/build.ts when a build has finished. */
export const BUILD_STAMP = "dist/build-stamp";

/** What the build reads: a change in any of these makes dist/ stale. */
export const BUILD_INPUTS = ["firmware", "shared", "host", "hardware", "tools/build", "package.json", "tsconfig.json", "tsconfig.build.json"];

const SOURCE_FILE = /\.(ts|cjs|mjs|js|json|lua)$/;

/** The most recently modified input file under `root`, or null when there is none. */
export function newestInput(root: string, inputs: readonly string[] = BUILD_INPUTS): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  const visit = (file: string) => {
    if (!existsSync(file)) return;
    const stat = statSync(file);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(file)) if (entry !== "node_modules") visit(path.join(file, entry));
    } else if (SOURCE_FILE.test(file) && (newest === null || stat.mtimeMs > newest.mtimeMs)) {
      newest = { file: path.relative(root, file), mtimeMs: stat.mtimeMs };
    }
  };
  for (const input of inputs) visit(path.join(root, input));
  return newest;
}

/** Why dist/ under `root` must be rebuilt, or null when it is up to date. */
export function staleBecause(root: string, inputs: readonly string[] = BUILD_INPUTS): string | null {
  const stamp = path.join(root, BUILD_STAMP);
  if (!existsSync(stamp)) return "dist/ has not been built (no dist/build-stamp)";
  const built = statSync(stamp).mtimeMs;
  const newest = newestInput(root, inputs);
  if (newest !== null && newest.mtimeMs > built) return `${newest.file} changed after the last build`;
  return null;
}
