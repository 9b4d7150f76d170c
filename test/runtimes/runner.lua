-- Command-line entry for a real Lua interpreter: lua runner.lua BUNDLE DRIVER < cases > results
if bit == nil then
  local ok, lib = pcall(require, "bit")
  if ok then bit = lib end
end
local core = dofile(arg[1])
local driver = dofile(arg[2])
io.write(driver(core, io.read("*a")))
