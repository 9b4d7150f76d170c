/**
 * `npm run lint`: checks the portable core (shared/**\/*.ts) against the rules in
 * shared/reference/PORTABLE-SUBSET.md and the Espruino language limits and quirks in
 * DEVICE-PLATFORMS.md. The same source is compiled to Node, to ES5 for Espruino and to Lua with
 * TypeScriptToLua; each construct flagged here gave a different answer (or none) on one of them.
 *
 * Rule ids are "rule-N" for the numbered rules of PORTABLE-SUBSET.md, otherwise a short name:
 * "espruino-quirk", "for-of-in", "template-literal".
 *
 * Out of scope: `delete`, `instanceof`, `typeof x === "bigint"`, null-vs-truthiness of objects,
 * the operand signs of `%` (rule 7) and whether bit operands are integers (rule 1).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

export interface Problem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  rule: string;
  message: string;
}

interface Context {
  sourceFile: ts.SourceFile;
  checker: ts.TypeChecker;
  report: (node: ts.Node, rule: string, message: string) => void;
}

type Check = (node: ts.Node, context: Context) => void;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// ---------------------------------------------------------------------------------------------
// Syntax helpers

/** The callee's name when it is a bare identifier (`f(...)`, `new F(...)`), else undefined. */
function calleeName(node: ts.Node): string | undefined {
  if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && ts.isIdentifier(node.expression)) {
    return node.expression.text;
  }
  return undefined;
}

/** `Object.member` with both parts plain identifiers, as "Object.member"; else undefined. */
function staticMemberName(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && ts.isIdentifier(node.name)) {
    return node.expression.text + "." + node.name.text;
  }
  return undefined;
}

/**
 * True when the identifier names a variable (a global such as `Map` or `console`), not a
 * property: `x.Map`, `{ Map: 1 }` and `class { Map() {} }` name properties.
 */
function isVariableReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent)) return parent.name !== node;
  if (ts.isQualifiedName(parent)) return parent.left === node;
  const named =
    ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) ||
    ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent) || ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent) || ts.isEnumMember(parent);
  return !(named && parent.name === node);
}

function isLogicalOperator(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken;
}

/**
 * True when the expression's truthiness is what counts: an if/while/do/for condition, a `?:`
 * condition, the operand of `!`, the left side of `&&`/`||` (always tested), or the right
 * side of one whose own value is tested.
 */
function isTestedForTruth(expression: ts.Node): boolean {
  let child: ts.Node = expression;
  let parent = expression.parent;
  while (ts.isParenthesizedExpression(parent)) {
    child = parent;
    parent = parent.parent;
  }
  if (ts.isIfStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent)) {
    return parent.expression === child;
  }
  if (ts.isForStatement(parent)) return parent.condition === child;
  if (ts.isConditionalExpression(parent)) return parent.condition === child;
  if (ts.isPrefixUnaryExpression(parent)) return parent.operator === ts.SyntaxKind.ExclamationToken;
  if (ts.isBinaryExpression(parent) && isLogicalOperator(parent.operatorToken.kind)) {
    return parent.left === child || isTestedForTruth(parent);
  }
  return false;
}

/** Number-, string- or bigint-like, or a union/intersection/type parameter that may be one. */
function mayBeNumberOrString(type: ts.Type, checker: ts.TypeChecker): boolean {
  if (type.isUnion() || type.isIntersection()) {
    return type.types.some((member) => mayBeNumberOrString(member, checker));
  }
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint !== undefined && constraint !== type && mayBeNumberOrString(constraint, checker);
  }
  return (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.StringLike | ts.TypeFlags.BigIntLike)) !== 0;
}

function isStringType(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every(isStringType);
  return (type.flags & ts.TypeFlags.StringLike) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Checks: one concern each

/** Rule 4: `>>` sign-extends in JS, is an error on Lua 5.3+ and means a logical shift there. */
const checkSignedShift: Check = (node, { report }) => {
  if (!ts.isBinaryExpression(node)) return;
  const kind = node.operatorToken.kind;
  if (kind === ts.SyntaxKind.GreaterThanGreaterThanToken || kind === ts.SyntaxKind.GreaterThanGreaterThanEqualsToken) {
    report(node.operatorToken, "rule-4", "signed right shift `>>`: use `>>>` with a count of 0..31");
  }
};

/** Rule 5: `/` gives floats on Lua (and wrong quotients on float32 NodeMCU). */
const checkDivision: Check = (node, { report }) => {
  if (!ts.isBinaryExpression(node)) return;
  const kind = node.operatorToken.kind;
  if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
    report(node.operatorToken, "rule-5", "division `/`: divide with shift-and-subtract on bits (see divideWord)");
  }
};

/** Rule 6: `**` is missing on Espruino. */
const checkExponent: Check = (node, { report }) => {
  if (!ts.isBinaryExpression(node)) return;
  const kind = node.operatorToken.kind;
  if (kind === ts.SyntaxKind.AsteriskAsteriskToken || kind === ts.SyntaxKind.AsteriskAsteriskEqualsToken) {
    report(node.operatorToken, "rule-6", "`**` is missing on Espruino: write the constant or multiply");
  }
};

/** Rule 6: Math.imul (Espruino, TSTL) and Math.trunc (Espruino) do not exist everywhere. */
const checkMissingMath: Check = (node, { report }) => {
  const name = staticMemberName(node);
  if (name === "Math.imul" || name === "Math.trunc") {
    report(node, "rule-6", `${name} is missing on Espruino or in TypeScriptToLua`);
  }
};

/** Espruino: further built-ins it lacks, and Math.pow, which it computes inexactly. */
const checkEspruinoBuiltins: Check = (node, { report }) => {
  const name = staticMemberName(node);
  if (name === "Math.clz32" || name === "Number.isInteger" || name === "Number.isNaN" || name === "Array.from") {
    report(node, "espruino-quirk", `${name} is missing on Espruino`);
  }
  if (name === "Math.pow") {
    report(node, "espruino-quirk", "Math.pow is inexact on Espruino (Math.pow(2, 32) !== 4294967296): write the literal");
  }
};

/** Espruino reads every `Array.prototype.X` as undefined. */
const checkArrayPrototype: Check = (node, { report }) => {
  if (staticMemberName(node) === "Array.prototype") {
    report(node, "espruino-quirk", "Array.prototype.X reads as undefined on Espruino: use [].X");
  }
};

/** Rule 8: number formatting differs between runtimes; hex and padding go through tables. */
const checkNumberFormatting: Check = (node, { report }) => {
  if (ts.isPropertyAccessExpression(node)) {
    const name = node.name.text;
    if (["padStart", "padEnd", "toFixed", "toPrecision", "toExponential", "parseInt", "parseFloat"].includes(name)) {
      report(node.name, "rule-8", `.${name} is not portable: format with String(n) and lookup tables`);
    }
  }
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "toString" && node.arguments.length > 0) {
    report(node.expression.name, "rule-8", "toString(radix) is not portable: hex and Base32 go through lookup tables");
  }
};

/** Rule 9: strings are byte strings read with charCodeAt; TSTL has no RegExp. */
const checkRegExp: Check = (node, { report }) => {
  if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    report(node, "rule-9", "regular expression: scan with charCodeAt instead");
  }
};

/** Rule 9: `s[i]` is nil on Lua; read bytes with charCodeAt/charAt. */
const checkStringIndexing: Check = (node, { checker, report }) => {
  if (!ts.isElementAccessExpression(node)) return;
  if (isStringType(checker.getTypeAtLocation(node.expression))) {
    report(node, "rule-9", "indexing a string with [i]: use charCodeAt(i) or charAt(i)");
  }
};

/** Rule 10: `new Array(n)` makes holes (nil in Lua); arrays are built with push. */
const checkArrayConstructor: Check = (node, { report }) => {
  if (calleeName(node) === "Array") {
    report(node, "rule-10", "Array constructor: build arrays with [] and push");
  }
};

const GLOBAL_RULES: Record<string, [string, string]> = {
  RegExp: ["rule-9", "RegExp: scan with charCodeAt instead"],
  Map: ["rule-14", "Map is missing on Espruino and pulls helpers into the Lua output: use objects or arrays"],
  Set: ["rule-14", "Set is missing on Espruino and pulls helpers into the Lua output: use objects or arrays"],
  WeakMap: ["rule-14", "WeakMap is missing on Espruino and in TypeScriptToLua"],
  WeakSet: ["rule-14", "WeakSet is missing on Espruino and in TypeScriptToLua"],
  Symbol: ["rule-14", "Symbol is missing on Espruino"],
  console: ["rule-15", "console in portable code: inject I/O (TSTL turns a literal with % into string.format)"],
  parseInt: ["rule-8", "parseInt is not portable: parse digits with charCodeAt"],
  parseFloat: ["rule-8", "parseFloat is not portable"],
};
for (const typed of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
  "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "ArrayBuffer", "DataView"]) {
  GLOBAL_RULES[typed] = ["rule-10", `${typed}: TypeScriptToLua compiles it and it fails at run time; use number[]`];
}

/** Rules 8, 9, 10, 14, 15: globals that some runtime lacks or that cost too much there. */
const checkBannedGlobals: Check = (node, { report }) => {
  if (!ts.isIdentifier(node) || !Object.hasOwn(GLOBAL_RULES, node.text) || !isVariableReference(node)) return;
  const [rule, message] = GLOBAL_RULES[node.text];
  report(node, rule, message);
};

/** Rule 11: 0 and "" are true in Lua, so a number or string must be compared explicitly. */
const checkTruthiness: Check = (node, { checker, report }) => {
  if (ts.isParenthesizedExpression(node) || !isTestedForTruth(node)) return;
  // A `&&`/`||` expression is judged through its operands, which are visited themselves.
  if (ts.isBinaryExpression(node) && isLogicalOperator(node.operatorToken.kind)) return;
  const type = checker.getTypeAtLocation(node);
  if (mayBeNumberOrString(type, checker)) {
    report(node, "rule-11", `truth test of a ${checker.typeToString(type)}: 0 and "" are true in Lua, compare explicitly (!== 0, !== "")`);
  }
};

/** Rule 12: TSTL turns `continue` into `goto`, which Lua 5.1 cannot parse. */
const checkContinue: Check = (node, { report }) => {
  if (ts.isContinueStatement(node)) {
    report(node, "rule-12", "continue becomes goto in Lua, which Lua 5.1 cannot parse: use if/else");
  }
};

/** Rule 13: TSTL's Error needs debug.getinfo, missing on NodeMCU's Lua 5.1. */
const checkErrorObjects: Check = (node, { report }) => {
  const name = calleeName(node);
  if (name !== undefined && /^([A-Z][A-Za-z]*)?Error$/.test(name)) {
    report(node, "rule-13", `${name} object: throw a string constant (see fail.ts) or return a result code`);
  }
};

/** Rule 14: getters/setters (Espruino's JSON drops them; Lua helpers). */
const checkAccessors: Check = (node, { report }) => {
  if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    report(node, "rule-14", "getter/setter: use a plain method or field");
  }
};

/** Rule 14: generators are missing on Espruino and need coroutine helpers in Lua. */
const checkGenerators: Check = (node, { report }) => {
  if (ts.isFunctionLike(node) && "asteriskToken" in node && node.asteriskToken !== undefined) {
    report(node, "rule-14", "generator function: use a plain loop or callback");
  }
};

/** Rule 14: async/await are missing on Espruino and need coroutine helpers in Lua. */
const checkAsync: Check = (node, { report }) => {
  if (ts.isAwaitExpression(node)) {
    report(node, "rule-14", "await: the portable core is synchronous");
  } else if (ts.isFunctionLike(node) && ts.canHaveModifiers(node) &&
             (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
    report(node, "rule-14", "async function: the portable core is synchronous");
  }
};

/** Rule 14: spread and rest are missing on Espruino and pull in Lua helpers. */
const checkSpreadAndRest: Check = (node, { report }) => {
  if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) {
    report(node, "rule-14", "spread `...`: copy with a loop and push");
  } else if (ts.isParameter(node) && node.dotDotDotToken !== undefined) {
    report(node, "rule-14", "rest parameter `...`: pass an array");
  }
};

/** Rule 14: destructuring is missing on Espruino and pulls in Lua helpers. */
const checkDestructuring: Check = (node, { report }) => {
  if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) {
    report(node, "rule-14", "destructuring: read the properties one by one");
  } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
             (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))) {
    report(node.left, "rule-14", "destructuring assignment: assign the values one by one");
  }
};

/** Rule 14: default parameters are missing on Espruino; use an optional one and `=== undefined`. */
const checkDefaultParameters: Check = (node, { report }) => {
  if (ts.isParameter(node) && node.initializer !== undefined) {
    report(node, "rule-14", "default parameter value: make it optional and test `=== undefined`");
  }
};

/** Espruino has no `?.`, `??` or logical assignment. */
const checkModernOperators: Check = (node, { report }) => {
  if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) &&
      node.questionDotToken !== undefined) {
    report(node.questionDotToken, "espruino-quirk", "optional chaining `?.` is missing on Espruino");
  }
  if (ts.isBinaryExpression(node)) {
    const kind = node.operatorToken.kind;
    if (kind === ts.SyntaxKind.QuestionQuestionToken) {
      report(node.operatorToken, "espruino-quirk", "`??` is missing on Espruino: compare with null/undefined");
    } else if (kind === ts.SyntaxKind.BarBarEqualsToken || kind === ts.SyntaxKind.AmpersandAmpersandEqualsToken ||
               kind === ts.SyntaxKind.QuestionQuestionEqualsToken) {
      report(node.operatorToken, "espruino-quirk", `\`${ts.tokenToString(kind)}\` is missing on Espruino: write the if`);
    }
  }
};

/** Espruino has no computed keys `{ [k]: v }`. */
const checkComputedKeys: Check = (node, { report }) => {
  if (ts.isComputedPropertyName(node) &&
      (ts.isObjectLiteralExpression(node.parent.parent) || ts.isClassLike(node.parent.parent))) {
    report(node, "espruino-quirk", "computed property name is missing on Espruino: assign obj[k] = v");
  }
};

/** Espruino has no tagged templates. */
const checkTaggedTemplates: Check = (node, { report }) => {
  if (ts.isTaggedTemplateExpression(node)) {
    report(node, "espruino-quirk", "tagged template is missing on Espruino");
  }
};

/** Espruino has no labels. */
const checkLabels: Check = (node, { report }) => {
  if (ts.isLabeledStatement(node)) {
    report(node, "espruino-quirk", "labels are missing on Espruino: use a flag or a function");
  }
};

/** for...of needs iterator helpers in ES5 and Lua; for...in order differs between runtimes. */
const checkForOfIn: Check = (node, { report }) => {
  if (ts.isForOfStatement(node) || ts.isForInStatement(node)) {
    report(node, "for-of-in", `${ts.isForOfStatement(node) ? "for...of" : "for...in"}: use an indexed for loop`);
  }
};

/** Template literals: Lua prints numbers in them differently ("3.0"); concatenate with String(n). */
const checkTemplateLiterals: Check = (node, { report }) => {
  if ((ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      !ts.isTaggedTemplateExpression(node.parent) && !ts.isLiteralTypeNode(node.parent)) {
    report(node, "template-literal", "template literal: concatenate with + and String(n)");
  }
};

const CHECKS: Check[] = [
  checkSignedShift, checkDivision, checkExponent, checkMissingMath, checkEspruinoBuiltins, checkArrayPrototype,
  checkNumberFormatting, checkRegExp, checkStringIndexing, checkArrayConstructor, checkBannedGlobals,
  checkTruthiness, checkContinue, checkErrorObjects, checkAccessors, checkGenerators, checkAsync,
  checkSpreadAndRest, checkDestructuring, checkDefaultParameters, checkModernOperators, checkComputedKeys,
  checkTaggedTemplates, checkLabels, checkForOfIn, checkTemplateLiterals,
];

/** Rule 15: a file without import/export is a script, and its declarations become globals. */
function checkIsModule(sourceFile: ts.SourceFile, context: Context): void {
  const isModuleSyntax = (statement: ts.Statement) =>
    ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) ||
    ts.isExportDeclaration(statement) || ts.isExportAssignment(statement) ||
    (ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword));
  if (!sourceFile.statements.some(isModuleSyntax)) {
    context.report(sourceFile, "rule-15", "file has no import or export: its declarations would be global");
  }
}

// ---------------------------------------------------------------------------------------------
// Running the checks

/** Lints one source file of a program; `file` is the name used in the problems. */
export function lintSourceFile(sourceFile: ts.SourceFile, checker: ts.TypeChecker, file: string): Problem[] {
  const problems: Problem[] = [];
  const context: Context = {
    sourceFile,
    checker,
    report(node, rule, message) {
      const start = node === sourceFile ? 0 : node.getStart(sourceFile);
      const { line, character } = sourceFile.getLineAndCharacterOfPosition(start);
      problems.push({ file, line: line + 1, column: character + 1, rule, message });
    },
  };
  checkIsModule(sourceFile, context);
  const visit = (node: ts.Node): void => {
    for (const check of CHECKS) check(node, context);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * The repo's compiler options, without Node's types: portable code must not lean on Node's
 * globals, and leaving them out keeps a one-file program quick to check.
 */
function portableCompilerOptions(): ts.CompilerOptions {
  const configFile = path.join(root, "tsconfig.json");
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configFile);
  return { ...parsed.options, types: [], noEmit: true };
}

/** Parsed library declarations, shared by the one-file programs (parsing lib.d.ts is slow). */
const librarySourceFiles = new Map<string, ts.SourceFile>();

/** A compiler host that serves `sourceText` as `fileName` and everything else from disk. */
function singleFileHost(options: ts.CompilerOptions, fileName: string, sourceText: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const isSnippet = (name: string) => path.resolve(name) === fileName;
  const readSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError) => {
    if (isSnippet(name)) return ts.createSourceFile(name, sourceText, languageVersion, true);
    if (!name.includes("/node_modules/")) return readSourceFile(name, languageVersion, onError);
    const key = name + "\0" + JSON.stringify(languageVersion);
    let cached = librarySourceFiles.get(key);
    if (cached === undefined) {
      cached = readSourceFile(name, languageVersion, onError);
      if (cached !== undefined) librarySourceFiles.set(key, cached);
    }
    return cached;
  };
  host.fileExists = (name) => isSnippet(name) || ts.sys.fileExists(name);
  host.readFile = (name) => (isSnippet(name) ? sourceText : ts.sys.readFile(name));
  return host;
}

/** Lints in-memory source as if it were the portable file `fileName`. */
export function lintPortableSource(fileName: string, sourceText: string): Problem[] {
  const options = portableCompilerOptions();
  const absolute = path.resolve(fileName);
  const program = ts.createProgram([absolute], options, singleFileHost(options, absolute, sourceText));
  const sourceFile = program.getSourceFile(absolute);
  if (sourceFile === undefined) throw new Error(`could not load ${fileName}`);
  return lintSourceFile(sourceFile, program.getTypeChecker(), fileName);
}

function listTypeScriptFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((entry) => {
      const full = path.join(directory, entry);
      if (statSync(full).isDirectory()) return listTypeScriptFiles(full);
      return entry.endsWith(".ts") ? [full] : [];
    });
}

/** Lints every .ts file under `directory` (default: the repo's shared/) in one program. */
export function lintPortableFolder(directory: string = path.join(root, "shared")): { files: string[]; problems: Problem[] } {
  const files = listTypeScriptFiles(directory);
  const options = portableCompilerOptions();
  const program = ts.createProgram(files, options, ts.createCompilerHost(options, true));
  const checker = program.getTypeChecker();
  const problems = files.flatMap((file) =>
    lintSourceFile(program.getSourceFile(file)!, checker, path.relative(root, file).split(path.sep).join("/")),
  );
  return { files, problems };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * `portable-subset.ts [folder]`: lints shared/ and firmware/ except firmware/platform/ (or the
 * folder given); exits 1 on problems.
 */
function main(): void {
  const folders = process.argv[2] === undefined ? [path.join(root, "shared"), path.join(root, "firmware")] : [path.resolve(process.argv[2])];
  const platform = path.join(root, "firmware", "platform") + path.sep;
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const folder of folders) {
    const result = lintPortableFolder(folder);
    files.push(...result.files.filter((file) => !file.startsWith(platform)));
    problems.push(...result.problems.filter((p) => !path.resolve(root, p.file).startsWith(platform)));
  }
  for (const p of problems) {
    console.log(`${p.file}:${p.line}:${p.column} ${p.rule} ${p.message}`);
  }
  if (problems.length > 0) {
    console.log(`portable-subset: ${plural(files.length, "file")}, ${plural(problems.length, "problem")}`);
    process.exit(1);
  }
  console.log(`portable-subset: ${plural(files.length, "file")}, no problems`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
