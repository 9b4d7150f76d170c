/**
 * Espruino does not hoist `var`: a variable is created when its `var` statement runs. Standard
 * JavaScript (and so every minifier) assumes hoisting, and terser freely moves and merges
 * declarations: it turned two block-scoped `const left` into one `var` declared only in an
 * else branch, so the if branch wrote the enclosing scope's variable of the same (mangled)
 * name, on a board only.
 *
 * Rather than hope the minifier never does that again, the build makes hoisting explicit:
 * every function's `var` names are declared in one `var a,b,c;` as its first statement, and
 * the original declarations become plain assignments. The program then means the same on a
 * hoisting engine and on Espruino. `findLateVars` is the check that the output has that shape.
 */
import * as acorn from "acorn";
import * as walk from "acorn-walk";

type Node = acorn.Node & Record<string, any>;

interface Scope {
  /** The function (or the program) whose scope this is. */
  node: Node;
  names: Set<string>;
}

function isFunction(node: Node): boolean {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression";
}

/** Every var declaration with the function that owns it. */
function collect(program: Node): Array<{ declaration: Node; scope: Node; parent: Node }> {
  const found: Array<{ declaration: Node; scope: Node; parent: Node }> = [];
  walk.ancestor(program, {
    VariableDeclaration(node: any, _state: unknown, ancestors: any[]) {
      let scope: Node = program;
      for (let i = ancestors.length - 2; i >= 0; i--) {
        if (isFunction(ancestors[i])) {
          scope = ancestors[i];
          break;
        }
      }
      found.push({ declaration: node, scope, parent: ancestors[ancestors.length - 2] });
    },
  });
  return found;
}

/** Rewrites an ES5 script so that each function declares all its vars in its first statement. */
export function hoistVarsExplicitly(code: string): string {
  const program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" }) as Node;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const scopes = new Map<Node, Scope>();
  for (const { declaration, scope, parent } of collect(program)) {
    if (declaration.kind !== "var") throw new Error(`unexpected ${declaration.kind} in an ES5 bundle`);
    let entry = scopes.get(scope);
    if (!entry) scopes.set(scope, (entry = { node: scope, names: new Set() }));
    const declarators = declaration.declarations as Node[];
    for (const d of declarators) entry.names.add(d.id.name);
    const forIn = parent.type === "ForInStatement" && parent.left === declaration;
    const forInit = parent.type === "ForStatement" && parent.init === declaration;
    if (forIn) {
      edits.push({ start: declaration.start, end: declarators[0].id.start, text: "" }); // "var k in o" -> "k in o"
      continue;
    }
    const kept = declarators.filter((d) => d.init !== null);
    if (kept.length === 0) {
      edits.push({ start: declaration.start, end: declaration.end, text: forInit ? "" : ";" });
      continue;
    }
    // Small edits only, so that edits inside the initialisers (nested functions) stay valid:
    // drop "var ", and each declarator without an initialiser with its comma.
    edits.push({ start: declaration.start, end: declarators[0].start, text: "" });
    for (let i = 0; i < declarators.length; i++) {
      const d = declarators[i];
      if (d.init !== null) continue;
      const firstKept = declarators.findIndex((k) => k.init !== null);
      if (i < firstKept) edits.push({ start: d.start, end: declarators[i + 1].start, text: "" });
      else edits.push({ start: declarators[i - 1].end, end: d.end, text: "" });
    }
  }
  for (const { node, names } of scopes.values()) {
    const at = node === program ? 0 : node.body.start + 1;
    edits.push({ start: at, end: at, text: `var ${[...names].join(",")};` });
  }
  // Apply from the end; an insertion at a function body's start goes before edits there.
  edits.sort((a, b) => b.start - a.start || (a.end === a.start ? 1 : 0) - (b.end === b.start ? 1 : 0));
  let out = code;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

export interface LateVar {
  name: string;
  position: number;
}

/**
 * The check: every `var` statement of the script is the first statement of its function (or
 * of the program), and has no initialiser, so no variable can be touched before it exists.
 */
export function findLateVars(code: string): LateVar[] {
  const program = acorn.parse(code, { ecmaVersion: 5, sourceType: "script" }) as Node;
  const late: LateVar[] = [];
  for (const { declaration, scope } of collect(program)) {
    const body: Node[] = scope === program ? program.body : scope.body.body;
    const first = body[0] === declaration;
    const bare = (declaration.declarations as Node[]).every((d) => d.init === null);
    if (!first || !bare) {
      for (const d of declaration.declarations as Node[]) late.push({ name: d.id.name, position: declaration.start });
    }
  }
  return late;
}
