/**
 * Flattens a set of portable TypeScript modules into one ES5 script for Espruino.
 *
 * Why not a general bundler: Espruino executes source as it parses it and does not hoist
 * functions, and every property lookup costs time in an interpreter. So the modules are
 * emitted into one function scope, in dependency order, with imports and exports erased:
 * calls between modules become plain calls (no `(0, m.f)(...)`, no `exports.f = f` placed
 * before `function f`). That only works when top-level names are unique across the modules
 * and imports are not renamed; both are checked here and the build fails otherwise.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import * as acorn from "acorn";

interface Module {
  file: string;
  /** ES5 code with imports/exports removed. */
  code: string;
  /** Names this module exports (own declarations and re-exports). */
  exports: string[];
  declared: string[];
}

function resolveImport(from: string, specifier: string): string {
  if (!specifier.startsWith(".")) {
    throw new Error(`${from}: only relative imports can be bundled for Espruino, found "${specifier}"`);
  }
  return path.resolve(path.dirname(from), specifier.replace(/\.js$/, ".ts"));
}

/** Dependency-first order of the modules reachable from the entry. */
function moduleOrder(entry: string): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, chain: string[]) => {
    const seen = state.get(file);
    if (seen === "done") return;
    if (seen === "visiting") throw new Error(`import cycle: ${[...chain, file].join(" -> ")}`);
    state.set(file, "visiting");
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
    for (const statement of source.statements) {
      if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier) {
        if (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) continue;
        const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
        visit(resolveImport(file, specifier), [...chain, file]);
      }
    }
    state.set(file, "done");
    order.push(file);
  };
  visit(path.resolve(entry), []);
  return order;
}

function transpileToEs5(file: string): string {
  const output = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
      importHelpers: false,
      ignoreDeprecations: "6.0",
    } as ts.CompilerOptions,
    reportDiagnostics: true,
  });
  const errors = (output.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, "\n")}`);
  }
  return output.outputText;
}

type Node = acorn.Node & Record<string, any>;

function declaredNames(declaration: Node): string[] {
  if (declaration.type === "FunctionDeclaration") return [declaration.id.name];
  if (declaration.type === "VariableDeclaration") return declaration.declarations.map((d: Node) => d.id.name);
  throw new Error(`unsupported top-level declaration ${declaration.type}`);
}

/** Erases module syntax from one ES5 module, recording what it declares and exports. */
function eraseModuleSyntax(file: string, code: string): Module {
  const program = acorn.parse(code, { ecmaVersion: 2015, sourceType: "module" }) as Node;
  const exports: string[] = [];
  const declared: string[] = [];
  let out = "";
  let cursor = 0;
  for (const statement of program.body as Node[]) {
    if (statement.type === "ImportDeclaration") {
      for (const spec of statement.specifiers as Node[]) {
        if (spec.type !== "ImportSpecifier" || spec.imported.name !== spec.local.name) {
          throw new Error(`${file}: imports must not be renamed or namespaced for the Espruino bundle (${code.slice(statement.start, statement.end)})`);
        }
      }
      out += code.slice(cursor, statement.start);
      cursor = statement.end;
    } else if (statement.type === "ExportNamedDeclaration") {
      out += code.slice(cursor, statement.start);
      if (statement.declaration) {
        const names = declaredNames(statement.declaration);
        exports.push(...names);
        declared.push(...names);
        out += code.slice(statement.declaration.start, statement.declaration.end);
      } else {
        for (const spec of statement.specifiers as Node[]) {
          if (spec.local.name !== spec.exported.name) {
            throw new Error(`${file}: exports must not be renamed for the Espruino bundle`);
          }
          exports.push(spec.exported.name);
        }
      }
      cursor = statement.end;
    } else if (statement.type === "ExportDefaultDeclaration" || statement.type === "ExportAllDeclaration") {
      throw new Error(`${file}: use named exports only (found ${statement.type})`);
    } else if (statement.type === "FunctionDeclaration" || statement.type === "VariableDeclaration") {
      declared.push(...declaredNames(statement));
    }
  }
  out += code.slice(cursor);
  return { file, code: out.trim(), exports, declared };
}

export interface EspruinoBundle {
  /** The unminified script: `var <globalName> = (function () { ... })();` */
  code: string;
  modules: string[];
  exports: string[];
}

/**
 * Bundles `entry` and its imports into a script that defines `globalName` holding the entry's
 * exports. Fails on name collisions between modules.
 */
export function bundleForEspruino(entry: string, globalName: string, root: string): EspruinoBundle {
  const files = moduleOrder(entry);
  const modules = files.map((file) => eraseModuleSyntax(file, transpileToEs5(file)));
  const owner = new Map<string, string>();
  for (const module of modules) {
    for (const name of module.declared) {
      const previous = owner.get(name);
      if (previous) {
        throw new Error(`top-level name "${name}" is declared in both ${path.relative(root, previous)} and ${path.relative(root, module.file)}: names must be unique across bundled modules`);
      }
      owner.set(name, module.file);
    }
  }
  const entryModule = modules[modules.length - 1];
  const body = modules.map((m) => `// ${path.relative(root, m.file)}\n${m.code}`).join("\n");
  const returned = entryModule.exports.map((name) => `${name}: ${name}`).join(", ");
  const code = `var ${globalName} = (function () {\n${body}\nreturn { ${returned} };\n})();\n`;
  return { code, modules: files.map((f) => path.relative(root, f)), exports: entryModule.exports };
}
