/**
 * Opening the token a command talks to: `--port` or, without it, the one serial port that
 * looks like an ESP32 board. The simulated token (`--port sim`) keeps its flash under the
 * data directory, so successive commands see the same token.
 */
import path from "node:path";
import { dataDirectory, InputError, listPorts, openTransport, TokenClient } from "../index.js";
import { simulator } from "./simulator.js";

/** Set by the global --insecure-network flag: tcp:// may leave this computer. */
let insecureNetwork = false;

export function allowInsecureNetwork(allowed: boolean): void {
  insecureNetwork = allowed;
}

export function insecureNetworkAllowed(): boolean {
  return insecureNetwork;
}

export async function resolvePort(port: string | undefined): Promise<string> {
  if (port !== undefined && port !== "") return port;
  const candidates = (await listPorts()).filter((p) => p.esp32Guess !== null);
  if (candidates.length === 1) return candidates[0].path;
  if (candidates.length === 0) throw new InputError("no ESP32 board found on a serial port: plug the token in, or name it with --port (a device path, tcp://HOST:PORT, or sim)");
  throw new InputError(`several ESP32 boards are plugged in (${candidates.map((c) => c.path).join(", ")}): choose one with --port`);
}

export async function withClient<T>(port: string | undefined, work: (client: TokenClient, portName: string) => Promise<T>): Promise<T> {
  const name = await resolvePort(port);
  const transport = await openTransport(name, { simulator, simFlashFile: path.join(dataDirectory(), "sim-token-flash.json"), insecureNetwork });
  const client = new TokenClient(transport);
  try {
    return await work(client, name);
  } finally {
    client.close();
    await transport.close();
  }
}
