/**
 * Where the ledger lives when `--ledger` does not say: `<data dir>/tokensmith/ledger.sqlite`.
 *
 *   Linux and others  $XDG_DATA_HOME (when absolute) or ~/.local/share
 *   macOS             ~/Library/Application Support
 *   Windows           %LOCALAPPDATA% (else %APPDATA%, else ~/AppData/Local): the local, not
 *                     the roaming, profile, so the ledger is not copied to profile servers
 */
import os from "node:os";
import path from "node:path";

export const LEDGER_APP_DIR = "tokensmith";
export const LEDGER_FILE_NAME = "ledger.sqlite";

export function dataDirectory(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === "win32") {
    const base = env.LOCALAPPDATA || env.APPDATA;
    return base ? base : path.win32.join(home, "AppData", "Local");
  }
  if (platform === "darwin") return path.posix.join(home, "Library", "Application Support");
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec: a relative path is invalid and must be ignored.
  if (xdg && path.posix.isAbsolute(xdg)) return xdg;
  return path.posix.join(home, ".local", "share");
}

export function defaultLedgerPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  return join(dataDirectory(env, platform, home), LEDGER_APP_DIR, LEDGER_FILE_NAME);
}
