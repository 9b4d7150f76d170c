-- The Lua case driver: the same cases as driver.js, for every Lua runtime (5.1 + bitop,
-- 5.3, 5.3 with 32-bit integers, fengari). Returns function(core, casesText) -> results text.
-- Decimal fields become words by digit-wise multiply-add, which wraps to the congruent
-- 32-bit word on a 32-bit-integer Lua, as a NodeMCU program holding a post-2038 time would.
local function unhex(h)
  return (h:gsub("%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
end

local function word(s)
  if s:find("[.e]") then return tonumber(s) end -- a fraction, to test that it is refused
  local negative = s:sub(1, 1) == "-"
  if negative then s = s:sub(2) end
  local w = 0
  for i = 1, #s do w = w * 10 + (s:byte(i) - 48) end
  if negative then w = -w end
  return w
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  return fields
end

local function run(core, f)
  local kind = f[1]
  if kind == "hotp" then return core.hotp(unhex(f[2]), word(f[3]), word(f[4]), f[5]) end
  if kind == "totp" then
    if #f > 6 then return core.totp(unhex(f[2]), word(f[3]), word(f[4]), word(f[5]), f[6], word(f[7])) end
    return core.totp(unhex(f[2]), word(f[3]), word(f[4]), word(f[5]), f[6])
  end
  if kind == "digest" then return core.digestHex(f[2], unhex(f[3])) end
  if kind == "hmac" then return core.hmacHex(f[2], unhex(f[3]), unhex(f[4])) end
  if kind == "hex2bytes" then return core.bytesToHex(core.hexToBytes(unhex(f[2]))) end
  if kind == "b32decode" then return core.bytesToHex(core.base32ToBytes(unhex(f[2]))) end
  if kind == "b32encode" then return core.bytesToBase32(core.hexToBytes(unhex(f[2])), f[3] == "1") end
  if kind == "crc32" then return core.wordToHex(core.crc32OfBytes(core.hexToBytes(unhex(f[2])))) end
  error("driver: unknown case " .. tostring(kind), 0)
end

return function(core, casesText)
  local out = {}
  for line in casesText:gmatch("([^\n]+)") do
    local ok, result = pcall(run, core, split(line))
    if ok then
      out[#out + 1] = "ok\t" .. tostring(result)
    elseif type(result) == "string" then
      out[#out + 1] = "err\t" .. result
    else
      out[#out + 1] = "err\tBUG " .. tostring(result)
    end
  end
  return table.concat(out, "\n") .. "\n"
end
