/**
 * The genuine interpreters the project's machines keep beside the checkout (../shared/tools),
 * named in this one place. ESPRUINO_TOOLS / LUA_TOOLS may point at other folders.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const sharedTools = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/tools");

/** Espruino 2v29 for Linux configured like an ESP32, with a fixed heap of `heap` JsVars. */
export function genuineEspruino(heap: 4000 | 2500): string | null {
  const file = path.join(process.env.ESPRUINO_TOOLS ?? path.join(sharedTools, "espruino"), `espruino-esp32-${heap}`);
  return existsSync(file) ? file : null;
}

/** Lua 5.3 with 32-bit integers and floats (NodeMCU's number model). */
export function genuineLua32(): string | null {
  const file = path.join(process.env.LUA_TOOLS ?? path.join(sharedTools, "lua"), "lua53-int32");
  return existsSync(file) ? file : null;
}
