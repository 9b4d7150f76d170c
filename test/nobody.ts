/**
 * Some tests, when run as root, run a child as user nobody (uid 65534) to meet a permission
 * error root never sees. That child must read the checkout; in a checkout under a 0700 home
 * directory (Debian 12's default for new users) it cannot. Those tests then skip, saying why.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const NOBODY = { uid: 65534, gid: 65534 };

const root = fileURLToPath(new URL("..", import.meta.url));

/** "" when not root or when user nobody can run code from this checkout; otherwise why not. */
export function nobodyCannotRun(): string {
  if (process.getuid?.() !== 0) return "";
  const probe = spawnSync(
    process.execPath,
    ["-e", "for (const f of process.argv.slice(1)) require('fs').accessSync(f, require('fs').constants.R_OK)", path.join(root, "package.json"), path.join(root, "node_modules/tsx/package.json")],
    { ...NOBODY, encoding: "utf8" },
  );
  return probe.status === 0 ? "" : `user nobody cannot read this checkout (${root}: a 0700 home directory?)`;
}
