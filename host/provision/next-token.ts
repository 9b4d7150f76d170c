/**
 * Where a batch gets its next token: a fresh simulated token each time (`--port sim`), the
 * same port after the operator swaps tokens (prompted on a terminal; otherwise noticed by
 * polling HELLO until a token needing work is attached), or a new serial port appearing.
 */
import readline from "node:readline/promises";
import type { SimulatedTokenHandle, SimulatorFactory } from "../simulator.js";
import { TokenClient } from "../device/client.js";
import { listPorts } from "../device/discover.js";
import { SimTransport } from "../transport/sim-transport.js";
import { openTransport } from "../transport/open.js";
import type { Transport } from "../transport/transport.js";
import type { Ledger } from "../ledger/ledger.js";

export interface NextToken {
  client: TokenClient;
  release: () => Promise<void>;
}

export type NextTokenSource = () => Promise<NextToken | null>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wrap(transport: Transport): NextToken {
  const client = new TokenClient(transport);
  return {
    client,
    release: async () => {
      client.close();
      await transport.close();
    },
  };
}

/** A new simulated token for every unit, each its own chip (demos and tests). */
export function simulatedTokens(simulator: SimulatorFactory, onToken?: (token: SimulatedTokenHandle) => void): NextTokenSource {
  return async () => {
    const token = simulator.newToken();
    onToken?.(token);
    return wrap(new SimTransport(token));
  };
}

/** Whether the attached token still needs work: unprovisioned, or pending in the ledger. */
async function needsWork(client: TokenClient, ledger: Ledger): Promise<boolean> {
  const hello = await client.hello();
  if (hello.state === "unprovisioned" || hello.state === "needs_setup") return true;
  return ledger.listTokens({ state: "pending" }).some((t) => t.tokenId === hello.id);
}

export interface SamePortOptions {
  ledger: Ledger;
  /** Ask on the terminal before each token. */
  prompt: boolean;
  /** Give up waiting after this long without a token needing work. */
  waitSeconds: number;
  onWaiting: (message: string) => void;
  stopRequested: () => boolean;
  /** tcp:// may leave this computer (--insecure-network). */
  insecureNetwork?: boolean;
}

/** The same port each time: the operator swaps tokens on it. */
export function samePort(port: string, options: SamePortOptions): NextTokenSource {
  let first = true;
  return async () => {
    if (options.prompt && !first) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Connect the next token to ${port} and press Enter (q to stop): `);
      rl.close();
      if (answer.trim().toLowerCase().startsWith("q")) return null;
    }
    first = false;
    const deadline = Date.now() + options.waitSeconds * 1000;
    let told = false;
    while (Date.now() < deadline && !options.stopRequested()) {
      let next: NextToken | null = null;
      try {
        next = wrap(await openTransport(port, { insecureNetwork: options.insecureNetwork }));
        if (await needsWork(next.client, options.ledger)) return next;
        if (!told) options.onWaiting(`the token on ${port} is already provisioned: connect the next one`);
        told = true;
      } catch {
        if (!told) options.onWaiting(`waiting for a token on ${port}`);
        told = true;
      }
      await next?.release();
      await sleep(1000);
    }
    return null;
  };
}

/** Waits for a new ESP32-looking serial port to appear (plug the next token in). */
export function newPorts(options: { waitSeconds: number; onWaiting: (message: string) => void; stopRequested: () => boolean }): NextTokenSource {
  let known: Set<string> | null = null;
  return async () => {
    const deadline = Date.now() + options.waitSeconds * 1000;
    options.onWaiting("plug in the next token");
    while (Date.now() < deadline && !options.stopRequested()) {
      const ports = (await listPorts()).filter((p) => p.esp32Guess !== null).map((p) => p.path);
      if (known === null) known = new Set();
      const fresh = ports.find((p) => !known!.has(p));
      known = new Set(ports);
      if (fresh) return wrap(await openTransport(fresh));
      await sleep(500);
    }
    return null;
  };
}
