// TypeScriptToLua plugin: resolve the `./x.js` import specifiers that Node's ESM resolution
// needs to the `./x.ts` sources they name.
const path = require("node:path");
const fs = require("node:fs");

module.exports = {
  moduleResolution(moduleIdentifier, requiringFile) {
    if (!moduleIdentifier.startsWith(".") || !moduleIdentifier.endsWith(".js")) return undefined;
    const candidate = path.resolve(path.dirname(requiringFile), moduleIdentifier.slice(0, -3) + ".ts");
    return fs.existsSync(candidate) ? candidate : undefined;
  },
};
