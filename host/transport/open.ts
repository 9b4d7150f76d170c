/**
 * `--port` to a Transport: a serial device path, `tcp://HOST:PORT`, or `sim` (a simulated
 * token in this process, from the SimulatorFactory the program handed in; its flash kept in
 * `simFlashFile` so that successive commands see the same token).
 */
import path from "node:path";
import type { SimulatorFactory } from "../simulator.js";
import { SerialTransport } from "./serial-transport.js";
import { SimTransport } from "./sim-transport.js";
import { parseTcpAddress, TcpTransport } from "./tcp-transport.js";
import { TransportError, type Transport } from "./transport.js";

export interface OpenOptions {
  /** Makes the token behind `sim`; without it, `sim` is refused. */
  simulator?: SimulatorFactory;
  /** Where `sim` keeps its flash (default: none, a fresh token every time). */
  simFlashFile?: string;
  /** Allow tcp:// to a host that is not this computer (the link is not encrypted). */
  insecureNetwork?: boolean;
}

/** Whether a tcp:// address stays on this computer (a malformed one is an InputError). */
export function isLoopbackAddress(address: string): boolean {
  const { host } = parseTcpAddress(address);
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function openTransport(port: string, options: OpenOptions = {}): Promise<Transport> {
  if (port === "sim") {
    if (options.simulator === undefined) throw new TransportError("--port sim: this program has no simulated token to offer");
    const token = options.simulator.newToken({ flashFile: options.simFlashFile });
    // Keep what the token wrote when the command ends.
    return new SimTransport(token, () => token.saveFlash());
  }
  if (port.startsWith("tcp://")) {
    if (!isLoopbackAddress(port) && options.insecureNetwork !== true) {
      throw new TransportError(
        `${port} is not on this computer: the wire protocol is not encrypted, so seeds and management keys would cross the network in the clear. ` +
          "Use a serial port, or tcp:// to localhost over your own encrypted tunnel; add --insecure-network only on a network you trust",
      );
    }
    return TcpTransport.connect(port);
  }
  return SerialTransport.open(path.normalize(port));
}
