/**
 * `npm run build`: the three builds of the portable core (and, as they arrive, of the
 * firmware). Fails loudly when an artifact would not run on its target.
 *
 *   dist/espruino/tokensmith-core.js      ES5, defines global TokensmithCore (minified)
 *   dist/espruino/tokensmith-core.debug.js  the same, unminified, for reading
 *   dist/lua/tokensmith-core-51.lua       Lua 5.1 + bitop (NodeMCU ESP8266)
 *   dist/lua/tokensmith-core-53.lua       Lua 5.3, also with 32-bit integers (NodeMCU ESP32)
 *   dist/node/                           the Node build of shared/ and host/ (tsc)
 */
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { BUILD_STAMP } from "./freshness.js";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { minify } from "terser";
import { bundleForEspruino } from "./espruino-bundle.js";
import { findEs5Problems, runLikeEspruino } from "./es5-check.js";
import { bundleForLua } from "./lua-bundle.js";
import { findLateVars, hoistVarsExplicitly } from "./explicit-vars.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
const coreEntry = path.join(root, "shared/core.ts");
const firmwareEntry = path.join(root, "firmware/platform/espruino/main.ts");

/**
 * Minifies for a small Espruino heap without constructs Espruino mishandles. Lines stay short:
 * Espruino quotes the whole source line in an exception's stack, and one 30 KB line made every
 * error cost about 9.6 KB of a 4,000-variable heap.
 */
export async function minifyForEspruino(code: string): Promise<string> {
  const result = await minify(code, {
    ecma: 5,
    compress: { hoist_funs: false, passes: 2 },
    mangle: true,
    format: { ascii_only: true, semicolons: true, max_line_len: 100 },
  });
  return forEspruinoScopes(result.code!);
}

/** Espruino does not hoist var: every function declares its vars first (explicit-vars.ts). */
export function forEspruinoScopes(code: string): string {
  const out = hoistVarsExplicitly(code);
  const late = findLateVars(out);
  if (late.length > 0) throw new Error(`a var would be used before its declaration on Espruino: ${late.map((v) => v.name).join(", ")}`);
  return out;
}

/** Fails the build when the script is not ES5 or names a built-in Espruino lacks. */
function assertEs5ForEspruino(file: string, code: string): void {
  const problems = findEs5Problems(code);
  if (problems.length > 0) {
    throw new Error(`${file}:\n${problems.map((p) => `  at ${p.position}: ${p.message}`).join("\n")}`);
  }
}

/** ...and, for a library bundle, that it runs without hoisting and defines its global. */
function assertRunsOnEspruino(file: string, code: string, globalName: string): void {
  assertEs5ForEspruino(file, code);
  const context = runLikeEspruino(code);
  if (typeof context[globalName] !== "object") {
    throw new Error(`${file} does not define the global ${globalName}`);
  }
}

async function buildEspruinoCore(): Promise<void> {
  const bundle = bundleForEspruino(coreEntry, "TokensmithCore", root);
  const outDir = path.join(dist, "espruino");
  mkdirSync(outDir, { recursive: true });
  const minified = await minifyForEspruino(bundle.code);
  for (const [name, code] of [["tokensmith-core.debug.js", forEspruinoScopes(bundle.code)], ["tokensmith-core.js", minified]]) {
    const file = path.join(outDir, name);
    assertRunsOnEspruino(path.relative(root, file), code, "TokensmithCore");
    writeFileSync(file, code);
  }
  console.log(`espruino  dist/espruino/tokensmith-core.js  ${minified.length} bytes (${bundle.code.length} unminified), ${bundle.modules.length} modules`);
}

/**
 * The token firmware: the same flattening, entry firmware/platform/espruino/main.ts. Checked
 * statically here (it needs the board's globals to run); test/sim runs it, and a de-hoisted copy.
 */
async function buildEspruinoFirmware(): Promise<void> {
  const bundle = bundleForEspruino(firmwareEntry, "TokensmithFirmware", root);
  const outDir = path.join(dist, "espruino");
  const minified = await minifyForEspruino(bundle.code);
  for (const [name, code] of [["tokensmith-firmware.debug.js", forEspruinoScopes(bundle.code)], ["tokensmith-firmware.js", minified]]) {
    assertEs5ForEspruino(`dist/espruino/${name}`, code);
    writeFileSync(path.join(outDir, name), code);
  }
  console.log(`espruino  dist/espruino/tokensmith-firmware.js  ${minified.length} bytes (${bundle.code.length} unminified), ${bundle.modules.length} modules`);
}

function buildLuaCore(): void {
  for (const flavour of ["51", "53"] as const) {
    const outFile = path.join(dist, "lua", `tokensmith-core-${flavour}.lua`);
    const code = bundleForLua(coreEntry, flavour, outFile, root);
    console.log(`lua       dist/lua/tokensmith-core-${flavour}.lua  ${code.length} bytes`);
  }
}

function buildNode(): void {
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  console.log("node      dist/node/");
}

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  await buildEspruinoCore();
  await buildEspruinoFirmware();
  buildLuaCore();
  buildNode();
  // Last: its time says every artifact above is from the sources as they were (freshness.ts).
  writeFileSync(path.join(root, BUILD_STAMP), new Date().toISOString() + "\n");
}

main().catch((error) => {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
