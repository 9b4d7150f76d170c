/**
 * The firmware bundled straight from its TypeScript sources by esbuild, for mutation testing
 * only (`npm run mutation`, which sets TOKENSMITH_SIM_FIRMWARE=source). Stryker rewrites the
 * sources in its sandbox with every mutant behind a switch it flips from the test process; the
 * project's own ES5 flattener refuses that instrumented code (its helpers repeat in every
 * module), esbuild keeps modules apart. Same sources, same entry, same Espruino globals: only
 * the bundling differs, so the simulator suites can judge each mutant of firmware/app.
 * Everywhere else the simulator runs the built bundle, as a board does.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** The environment variable that selects this mode, and its value. */
export const SIM_FIRMWARE_ENV = "TOKENSMITH_SIM_FIRMWARE";
export const FROM_SOURCE = "source";

let cached: string | null = null;

export function firmwareFromSources(projectRoot: string): string {
  if (cached !== null) return cached;
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const result = esbuild.buildSync({
    entryPoints: [path.join(projectRoot, "firmware/platform/espruino/main.ts")],
    bundle: true,
    format: "iife",
    globalName: "TokensmithFirmware",
    target: "es2017",
    minify: true,
    platform: "neutral",
    // Espruino's built-in modules: left as require() calls, answered by the emulated board.
    external: ["Storage", "crypto", "Flash", "heatshrink", "ESP32"],
    write: false,
    logLevel: "silent",
  });
  cached = result.outputFiles[0]!.text;
  return cached;
}

export const firmwareFromSourcesWanted = (): boolean => process.env[SIM_FIRMWARE_ENV] === FROM_SOURCE;
