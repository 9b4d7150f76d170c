// TypeScriptToLua printer plugin for Lua targets with 32-bit integers (NodeMCU ESP32).
// TSTL prints numeric literals in decimal; a literal from 2^31 to 2^32 - 1 (4294967295 in the
// lowering of `>>>`, 0x80000000, SHA constants) is then a float on an int32 Lua and the bit
// operators fail with "number has no integer representation". Printed as hex, Lua 5.3 reads
// it as an integer that wraps to the same 32-bit word.
const { LuaPrinter } = require("typescript-to-lua");

class HexWordLiteralPrinter extends LuaPrinter {
  printNumericLiteral(expression) {
    const value = expression.value;
    if (Number.isInteger(value) && value >= 2147483648 && value <= 4294967295) {
      return this.createSourceNode(expression, "0x" + value.toString(16).toUpperCase());
    }
    return super.printNumericLiteral(expression);
  }
}

module.exports = {
  printer: (program, emitHost, fileName, file) => new HexWordLiteralPrinter(emitHost, program, fileName).print(file),
};
