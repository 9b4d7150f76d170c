/**
 * Boots the firmware bundle on a real Espruino interpreter (the Linux build, named by the
 * ESPRUINO environment variable) the way a board runs it: stored in Storage, evaluated from
 * there, so function bodies stay in flash. The Linux build has no I2C devices, so the token
 * comes up with its clock lost; what this proves is that the exact bundle parses, runs its
 * boot on the genuine interpreter without an exception, and how many JsVars it holds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface RealBoot {
  /** "" when the boot ran without an exception, else the exception's text. */
  error: string;
  jsVarsUsed: number;
  jsVarsTotal: number;
}

/**
 * `store` is an Espruino whose heap can hold the bundle as a string (the Linux build without a
 * fixed variable count); `boot` is the one measured (for example built with VARIABLES=4000).
 */
export function bootOnRealEspruino(firmware: string, boot: string, store = boot): RealBoot {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-espruino-"));
  writeFileSync(path.join(dir, "store.js"), `require("Storage").write("fw.js", ${JSON.stringify(firmware)});\n`);
  writeFileSync(
    path.join(dir, "boot.js"),
    `var before = process.memory().usage;
try { eval(require("Storage").read("fw.js")); } catch (e) { require("Storage").write("result", "ERR " + e); }
setTimeout(function () {
  var m = process.memory();
  if (!require("Storage").read("result")) require("Storage").write("result", "RESULT " + (m.usage - before) + " " + m.total);
  quit();
}, 50);
`,
  );
  writeFileSync(path.join(dir, "read.js"), `print(require("Storage").read("result"));\n`);
  const run = (binary: string, script: string) =>
    execFileSync(binary, [script], { cwd: dir, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL", stdio: ["ignore", "pipe", "ignore"] });
  run(store, "store.js");
  // The firmware takes the console off the UART, so the result comes back through Storage.
  run(boot, "boot.js");
  const out = run(store, "read.js");
  const error = /ERR (.*)/.exec(out);
  const result = /RESULT (\d+) (\d+)/.exec(out);
  if (error) return { error: error[1].trim(), jsVarsUsed: 0, jsVarsTotal: 0 };
  if (!result) return { error: `no result from ${boot}: ${out.slice(-300).trim()}`, jsVarsUsed: 0, jsVarsTotal: 0 };
  return { error: "", jsVarsUsed: Number(result[1]), jsVarsTotal: Number(result[2]) };
}
