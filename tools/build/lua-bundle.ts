/**
 * Lua bundles of the portable core through TypeScriptToLua.
 *
 * - "51": luaTarget JIT, which emits `bit.band` & co. for NodeMCU ESP8266's Lua 5.1 + bitop
 *   (target "5.1" would emit the same but refuses every bitwise operator).
 * - "53": luaTarget 5.3 with the hex-literal printer, correct on 32-bit-integer builds too.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as tstl from "typescript-to-lua";
import ts from "typescript";

const require = createRequire(import.meta.url);

export type LuaFlavour = "51" | "53";

export function bundleForLua(entry: string, flavour: LuaFlavour, outFile: string, root: string): string {
  const options: tstl.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    types: [],
    rootDir: root,
    outDir: path.dirname(outFile),
    luaTarget: flavour === "51" ? tstl.LuaTarget.LuaJIT : tstl.LuaTarget.Lua53,
    luaBundle: path.basename(outFile),
    luaBundleEntry: entry,
    luaLibImport: tstl.LuaLibImportKind.RequireMinimal,
    noImplicitSelf: true,
    noHeader: true,
    removeComments: true,
    sourceMap: false,
    luaPlugins: [
      { name: require.resolve("./lua-js-imports.cjs") },
      ...(flavour === "53" ? [{ name: require.resolve("./lua-hex-literals.cjs") }] : []),
    ],
  };
  const result = tstl.transpileFiles([entry], options);
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = errors
      .map((d) => `${d.file ? path.relative(root, d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
      .join("\n");
    throw new Error(`TypeScriptToLua (${flavour}) failed:\n${text}`);
  }
  const code = readFileSync(outFile, "utf8");
  if (flavour === "51" && /\bgoto\b/.test(code)) {
    throw new Error(`${outFile} contains goto, which Lua 5.1 cannot parse (a \`continue\` in portable code?)`);
  }
  return code;
}
