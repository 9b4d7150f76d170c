/**
 * Entry of the Espruino firmware bundle (dist/espruino/tokensmith-firmware.js): build the Hal,
 * plug the native digests into the core, start the token and its protocol.
 */
import { createEspruinoHal } from "./hal-espruino.js";
import { startToken } from "../../app/token.js";
import { attachProtocol } from "../../app/commands.js";

export function main(): void {
  const hal = createEspruinoHal();
  const token = startToken(hal);
  attachProtocol(token);
}

main();
