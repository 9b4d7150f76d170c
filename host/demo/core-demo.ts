/**
 * The demo behind `npm start` while the simulated token is being built: one fresh random
 * seed, the current TOTP code computed by the three builds of the portable core (Node, the
 * ES5 bundle a token runs, the Lua bundle for NodeMCU), which must agree.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";
import { totp } from "../core/otp.js";
import { artifactPath } from "../paths.js";

export interface DemoCode {
  build: string;
  code: string | null;
  note?: string;
}

export interface DemoResult {
  unixSeconds: number;
  secondsLeft: number;
  codes: DemoCode[];
  agree: boolean;
}

function es5Code(secretHex: string, now: number): DemoCode {
  const file = artifactPath("dist/espruino/tokensmith-core.js");
  if (!existsSync(file)) return { build: "Espruino ES5 bundle", code: null, note: "not built: run npm run build" };
  const context = vm.createContext({});
  vm.runInContext(readFileSync(file, "utf8"), context);
  return { build: "Espruino ES5 bundle", code: context.TokensmithCore.totp(secretHex, now, 30, 6, "SHA1") };
}

function luaCode(secretHex: string, now: number): DemoCode {
  const file = artifactPath("dist/lua/tokensmith-core-53.lua");
  const build = "NodeMCU Lua 5.3 bundle (fengari)";
  if (!existsSync(file)) return { build, code: null, note: "not built: run npm run build" };
  let fengari;
  try {
    fengari = createRequire(import.meta.url)("fengari");
  } catch {
    return { build, code: null, note: "fengari is not installed (npm ci installs it)" };
  }
  const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const run = (source: string, name: string) =>
    lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring(name)) === lua.LUA_OK && lua.lua_pcall(L, 0, 1, 0) === lua.LUA_OK;
  if (!run(readFileSync(file, "utf8"), "=core") || (lua.lua_setglobal(L, to_luastring("core")), !run(`return core.totp("${secretHex}", ${now}, 30, 6, "SHA1")`, "=demo"))) {
    return { build, code: null, note: to_jsstring(lua.lua_tostring(L, -1)) };
  }
  return { build, code: to_jsstring(lua.lua_tostring(L, -1)) };
}

export function runCoreDemo(now = Math.floor(Date.now() / 1000)): DemoResult {
  const secretHex = randomBytes(20).toString("hex");
  const codes: DemoCode[] = [{ build: "Node (host)", code: totp(secretHex, now, 30, 6, "SHA1") }, es5Code(secretHex, now), luaCode(secretHex, now)];
  const computed = codes.filter((c) => c.code !== null).map((c) => c.code);
  return { unixSeconds: now, secondsLeft: 30 - (now % 30), codes, agree: computed.every((c) => c === computed[0]) };
}
