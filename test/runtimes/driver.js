// The JavaScript case driver, ES5 so that it runs unchanged on Node, in the Espruino-like
// sandbox and on a real Espruino interpreter. Evaluates to a function(core, casesText) that
// returns one result line per case line. Format: see cases.ts.
(function (core, casesText) {
  function unhex(h) {
    var s = "";
    for (var i = 0; i < h.length; i += 2) s += String.fromCharCode(parseInt(h.substr(i, 2), 16));
    return s;
  }
  function run(f) {
    if (f[0] === "hotp") return core.hotp(unhex(f[1]), +f[2], +f[3], f[4]);
    if (f[0] === "totp") return f.length > 6 ? core.totp(unhex(f[1]), +f[2], +f[3], +f[4], f[5], +f[6]) : core.totp(unhex(f[1]), +f[2], +f[3], +f[4], f[5]);
    if (f[0] === "digest") return core.digestHex(f[1], unhex(f[2]));
    if (f[0] === "hmac") return core.hmacHex(f[1], unhex(f[2]), unhex(f[3]));
    if (f[0] === "hex2bytes") return core.bytesToHex(core.hexToBytes(unhex(f[1])));
    if (f[0] === "b32decode") return core.bytesToHex(core.base32ToBytes(unhex(f[1])));
    if (f[0] === "b32encode") return core.bytesToBase32(core.hexToBytes(unhex(f[1])), f[2] === "1");
    if (f[0] === "crc32") return core.wordToHex(core.crc32OfBytes(core.hexToBytes(unhex(f[1]))));
    throw "driver: unknown case " + f[0];
  }
  var lines = casesText.split("\n");
  var out = [];
  for (var i = 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    try {
      out.push("ok\t" + run(lines[i].split("\t")));
    } catch (e) {
      out.push("err\t" + (typeof e === "string" ? e : "BUG " + e));
    }
  }
  return out.join("\n") + "\n";
})
