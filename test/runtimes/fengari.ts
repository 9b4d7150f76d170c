/**
 * Runs Lua source on fengari (Lua 5.3 implemented in JS, with 32-bit integers: the number
 * model of NodeMCU on ESP32, except that its floats are doubles).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const fengari = require("fengari");
const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

/**
 * Lua BitOp's API over Lua 5.3 operators, so the 5.1 bundle (which calls bit.band & co.) can
 * run here too. Results are normalised to signed 32-bit like BitOp's; on fengari every
 * integer is already 32-bit. The genuine pair, lua5.1 + lua-bitop, runs in CI.
 */
const BITOP_SHIM = `
local function tobit(x)
  if math.type(x) == "integer" then return x end
  x = math.fmod(x, 4294967296.0)
  if x < 0 then x = x + 4294967296.0 end
  if x >= 2147483648.0 then x = x - 4294967296.0 end
  return math.tointeger(x)
end
-- TSTL emits two-operand calls only, so fixed arity (no vararg tables: fengari is slow enough).
bit = {
  band = function(a, b) return tobit(a) & tobit(b) end,
  bor = function(a, b) return tobit(a) | tobit(b) end,
  bxor = function(a, b) return tobit(a) ~ tobit(b) end,
  bnot = function(a) return ~tobit(a) end,
  lshift = function(a, n) return tobit(a) << n end,
  rshift = function(a, n) return tobit(a) >> n end,
  arshift = function(a, n) a = tobit(a) if a < 0 then return ~((~a) >> n) end return a >> n end,
  tobit = tobit,
}
unpack = unpack or table.unpack
`;

function check(L: unknown, status: number, what: string): void {
  if (status !== lua.LUA_OK) {
    const message = to_jsstring(lua.lua_tostring(L, -1));
    throw new Error(`fengari: ${what}: ${message}`);
  }
}

function runChunk(L: unknown, source: string, name: string, results: number): void {
  check(L, lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring(`=${name}`)), `loading ${name}`);
  check(L, lua.lua_pcall(L, 0, results, 0), `running ${name}`);
}

/** Loads `bundle` and `driver` (which returns function(core, text)) and runs the cases. */
export function runLuaOnFengari(bundle: string, driver: string, casesText: string, withBitopShim: boolean): string {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  if (withBitopShim) runChunk(L, BITOP_SHIM, "bitop-shim", 0);
  runChunk(L, driver, "driver", 1); // driver function
  runChunk(L, bundle, "bundle", 1); // core table
  lua.lua_pushstring(L, to_luastring(casesText));
  check(L, lua.lua_pcall(L, 2, 1, 0), "running the cases");
  return to_jsstring(lua.lua_tostring(L, -1));
}
