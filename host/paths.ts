/** Where the project's files are, whether running from source (tsx) or from dist/node. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
 * tokensmith's data directory: $TOKENSMITH_HOME, else the platform's user data directory
 * ($XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS,
 * %APPDATA% on Windows) + /tokensmith.
 */
export function dataDirectory(): string {
  if (process.env.TOKENSMITH_HOME) return process.env.TOKENSMITH_HOME;
  const home = process.env.HOME ?? process.env.USERPROFILE ?? ".";
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "tokensmith");
  if (process.platform === "darwin") return path.join(home, "Library", "Application Support", "tokensmith");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "tokensmith");
}
