/** Where the project's files are, whether running from source (tsx) or from dist/node. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LEDGER_APP_DIR, dataDirectory as platformDataDirectory } from "./ledger/location.js";

/** The directory holding tokensmith's package.json (the repository or installed package). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "tokensmith") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find tokensmith's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const artifactPath = (relative: string) => path.join(projectRoot(), relative);

/**
 * tokensmith's own data directory: $TOKENSMITH_HOME, else the platform's user data directory
 * (host/ledger/location.ts says which) + /tokensmith. The ledger's default lives here too.
 */
export function dataDirectory(): string {
  if (process.env.TOKENSMITH_HOME) return process.env.TOKENSMITH_HOME;
  return path.join(platformDataDirectory(), LEDGER_APP_DIR);
}
