/**
 * Errors in the portable core are thrown as plain strings.
 *
 * Why not `new Error()`: TypeScriptToLua's Error needs `debug.getinfo`, which NodeMCU's Lua 5.1
 * lacks (PORTABLE-SUBSET rule 13). A thrown string reaches every runtime intact: a JS `catch`,
 * Lua's `pcall` (TSTL throws with `error(msg, 0)`, so no position is prefixed). Host code turns
 * these strings into Error objects at its boundary (see host/core/).
 *
 * Every message starts with "tokensmith: " so a caller can tell our input errors from bugs.
 */
export const ERROR_PREFIX = "tokensmith: ";

export function fail(message: string): never {
  throw ERROR_PREFIX + message;
}

/** 1-based position and the offending character, for messages people act on. */
export function describeCharacter(text: string, index: number): string {
  const code = text.charCodeAt(index);
  let shown: string;
  if (code >= 33 && code <= 126) {
    shown = "'" + String.fromCharCode(code) + "'";
  } else {
    shown = "byte " + String(code);
  }
  return shown + " at position " + String(index + 1);
}
