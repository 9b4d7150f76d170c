/**
 * Checks that a script can run on Espruino: it parses as ES5, names no built-in that Espruino
 * lacks, and still works when functions are not hoisted.
 *
 * Facts from ../shared/reference/DEVICE-PLATFORMS.md (Espruino 2v29 checked against Node).
 */
import vm from "node:vm";
import * as acorn from "acorn";
import * as walk from "acorn-walk";

/** Globals Espruino does not have at all. */
export const MISSING_GLOBALS = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt"];

/** Static members Espruino does not have. */
export const MISSING_MEMBERS: Record<string, string[]> = {
  Math: ["imul", "trunc", "clz32"],
  Number: ["isInteger", "isNaN"],
  Array: ["from"],
  Uint8Array: ["from"],
};

/** Methods we must not call: missing in Espruino, or banned by PORTABLE-SUBSET rule 8. */
export const BANNED_METHODS = ["padStart", "padEnd", "finally"];

export interface Es5Problem {
  message: string;
  position: number;
}

/** Static checks. Returns the problems found (empty when the script is fine). */
export function findEs5Problems(code: string): Es5Problem[] {
  let program: acorn.Node;
  try {
    program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" });
  } catch (error) {
    return [{ message: `does not parse as ES5: ${(error as Error).message}`, position: 0 }];
  }
  const problems: Es5Problem[] = [];
  walk.full(program, (node: any) => {
    if (node.type === "Identifier" && MISSING_GLOBALS.includes(node.name)) {
      problems.push({ message: `uses ${node.name}, which Espruino lacks`, position: node.start });
    }
    if (node.type === "MemberExpression" && !node.computed) {
      const object = node.object;
      const property = node.property.name as string;
      if (object.type === "Identifier" && MISSING_MEMBERS[object.name]?.includes(property)) {
        problems.push({ message: `uses ${object.name}.${property}, which Espruino lacks`, position: node.start });
      }
      if (object.type === "MemberExpression" && !object.computed && object.property.name === "prototype" &&
          object.object.type === "Identifier" && object.object.name === "Array") {
        problems.push({ message: `reads Array.prototype.${property}, which reads as undefined on Espruino (use [].${property})`, position: node.start });
      }
      if (BANNED_METHODS.includes(property)) {
        problems.push({ message: `calls .${property}(), which Espruino lacks`, position: node.start });
      }
    }
  });
  return problems;
}

/**
 * Rewrites every function declaration `function f(...) {...}` into `var f = function f(...) {...};`
 * at the same place, so that running the result in Node behaves like Espruino, which defines
 * a function only when execution reaches it. A use before definition then throws.
 */
export function withoutHoisting(code: string): string {
  const program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" });
  const declarations: any[] = [];
  walk.full(program, (node: any) => {
    if (node.type === "FunctionDeclaration") declarations.push(node);
  });
  // Insertions at original offsets, applied from the end; where one function ends exactly
  // where the next starts, the ";" must land before the "var".
  const edits: [number, number, string][] = [];
  for (const fn of declarations) {
    edits.push([fn.start, 0, `var ${fn.id.name} = `], [fn.end, 1, ";"]);
  }
  edits.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let out = code;
  for (const [at, , text] of edits) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/**
 * A vm context without what Espruino lacks (Map, Set, Symbol, Math.imul, ...), for running
 * ES5 bundles in Node the way Espruino would see them. `extra` adds globals (e.g. a crypto).
 */
export function createEspruinoLikeContext(extra: Record<string, unknown> = {}): vm.Context {
  const context = vm.createContext({ ...extra });
  const strip = [
    ...MISSING_GLOBALS.map((name) => `delete globalThis.${name};`),
    ...Object.entries(MISSING_MEMBERS).flatMap(([object, members]) =>
      members.map((member) => `delete ${object}.${member};`),
    ),
    ...BANNED_METHODS.map((m) => `delete String.prototype.${m}; delete Promise.prototype.${m};`),
  ].join("\n");
  vm.runInContext(strip, context);
  return context;
}

/** Evaluates a script in a fresh Espruino-like context, without hoisting, and returns the context. */
export function runLikeEspruino(code: string, extra: Record<string, unknown> = {}): vm.Context {
  const context = createEspruinoLikeContext(extra);
  vm.runInContext(withoutHoisting(code), context);
  return context;
}
