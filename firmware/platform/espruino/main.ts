/**
 * Entry of the Espruino firmware bundle (dist/espruino/tokensmith-firmware.js): build the Hal,
 * start the token and its protocol. The bundle's global TokensmithFirmware also exposes the
 * SHA compression counter, so benchmarks can count the work a press costs.
 */
import { createEspruinoHal, takeConsole } from "./hal-espruino.js";
import { startToken } from "../../app/token.js";
import { attachProtocol } from "../../app/commands.js";

export { compressionsSoFar } from "../../../shared/otp/hash.js";

export function main(): void {
  takeConsole();
  const hal = createEspruinoHal();
  const token = startToken(hal);
  attachProtocol(token);
}

main();
