/**
 * The project's layers, checked on every import of every source file:
 * - hardware/ (the simulator, the genuine interpreters) never imports host/: the twin is a
 *   device, and a device knows nothing of the tool that provisions it;
 * - host/ outside host/cli never imports hardware/: the library gets a simulated token through
 *   an injected SimulatorFactory, so it works (and is tested) without the simulator loaded;
 * - host/cli imports the library only through host/index.ts, and hardware/ only in
 *   host/cli/simulator.ts (the one place the CLI hands the simulator to the library);
 * - every error class the host library throws is defined in host/errors.ts.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function sources(folder: string): string[] {
  return (readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** Every module a file imports or re-exports (static and dynamic), as a path from the repo root. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    let specifier: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) specifier = node.moduleSpecifier;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith(".")) {
      found.push(path.relative(root, path.resolve(root, path.dirname(file), specifier.text)).replace(/\.js$/, ".ts"));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const within = (file: string, folder: string) => file === folder || file.startsWith(folder + "/");

describe("layers", () => {
  it("hardware/ never imports host/", () => {
    const offending = sources("hardware").flatMap((file) => importsOf(file).filter((target) => within(target, "host")).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it("the host library (host/ outside host/cli) never imports hardware/", () => {
    const library = sources("host").filter((file) => !within(file, "host/cli"));
    const offending = library.flatMap((file) => importsOf(file).filter((target) => within(target, "hardware")).map((target) => `${file} -> ${target}`));
    expect(offending).toEqual([]);
  });

  it("the CLI reaches the library only through host/index.ts, and the simulator only in host/cli/simulator.ts", () => {
    const offending = sources("host/cli").flatMap((file) =>
      importsOf(file)
        .filter((target) => {
          if (within(target, "host/cli")) return false;
          if (target === "host/index.ts") return false;
          if (within(target, "hardware")) return file !== "host/cli/simulator.ts";
          return within(target, "host") || within(target, "firmware") || within(target, "shared");
        })
        .map((target) => `${file} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it("the error classes of the host library are all defined in host/errors.ts", () => {
    const defining = sources("host").filter((file) => /^export class \w+ extends (\w*Error)\b/m.test(readFileSync(path.join(root, file), "utf8")));
    expect(defining).toEqual(["host/errors.ts"]);
  });
});
