/**
 * A token rack: N simulated tokens behind one TCP port, like one USB cable an operator moves
 * from token to token. `--port tcp://HOST:PORT` (the batch's same-port strategy) sees the
 * current token until the ledger records it provisioned; the next connection after that gets
 * the next token (a token interrupted mid-way stays until it is finished, as an operator
 * following the CLI's "pending" message would keep it plugged in).
 *
 * The tokens' clocks follow real elapsed time, as a board's does (a test may still move them
 * on with advance()), so a slow, loaded machine cannot make them fall behind the host.
 *
 * The bridge between the socket and the token can inject faults: the cable pulled after k
 * bytes of a frame, bytes flipped in either direction, and hooks that see every frame (to
 * kill the CLI at a chosen point).
 */
import net from "node:net";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { SimulatedToken, type SimTokenOptions } from "../../hardware/sim/token.js";
import { realTimeFollower } from "../../hardware/sim/session.js";
import { openLedger, type Ledger } from "../../host/ledger/ledger.js";

export interface CablePull {
  /** The request verb whose frame is cut. */
  verb: string;
  /** Only on this token (index); default any. */
  token?: number;
  /**
   * Bytes of that frame (from its ">" on, "\n" included) the token receives before the cut;
   * negative counts from the end (-1: all but the "\n").
   */
  afterBytes: number;
  /** Also cut the token's power (a USB-powered board loses power with the cable). */
  powerCycle?: boolean;
}

export interface Garbler {
  /** Called for each whole line in either direction; returns the line to pass on. */
  (direction: "toToken" | "toHost", line: string): string;
}

/** What a hook may ask for: pass the frame on, or freeze the link (nothing more passes). */
export type HookAnswer = "pass" | "freeze";

export interface RackOptions {
  /** The ledger the CLI writes: the rack moves on when it records the current token provisioned. */
  ledgerPath: string;
  token?: SimTokenOptions;
}

interface Link {
  socket: net.Socket;
  token: number;
  fromHost: string;
  frozen: boolean;
}

export class TokenRack {
  readonly tokens: SimulatedToken[];
  current = 0;
  /** Move on to the next token when the ledger has the current one; false pins `current`. */
  autoAdvance = true;
  port = 0;
  /** Connections made, and (index) which token each got. */
  readonly connections: number[] = [];
  /** Every whole line each token received from a host, after faults. */
  readonly received: string[][];
  /** Cuts still to make: the first one matching a frame is used up. */
  readonly pulls: CablePull[] = [];
  /** Cuts made: how many bytes of how long a frame reached which token. */
  readonly cuts: Array<{ token: number; verb: string; delivered: number; frameBytes: number }> = [];
  /** Flips bytes; none by default. */
  garbler: Garbler | null = null;
  /** Called with each request line just before the token receives it. */
  onRequest: ((line: string, verb: string, token: number) => HookAnswer | void) | null = null;
  /** Called with each answer line before it goes to the host; `verb` is the request's. */
  onAnswer: ((line: string, verb: string, token: number) => HookAnswer | void) | null = null;
  /** Called on each new connection after the rack chose its token, before any byte passes. */
  onConnect: ((token: number) => HookAnswer | void) | null = null;
  private readonly server: net.Server;
  private readonly ticker: ReturnType<typeof setInterval>;
  private link: Link | null = null;
  private ledger: Ledger | null = null;
  /** seq -> verb of the requests seen, per token, to name answers. */
  private readonly verbs: Array<Map<string, string>>;

  constructor(
    count: number,
    private readonly options: RackOptions,
  ) {
    this.tokens = Array.from({ length: count }, () => {
      const token = new SimulatedToken({ ...options.token, deviceId: randomBytes(6).toString("hex") });
      token.powerOn();
      return token;
    });
    this.received = this.tokens.map(() => []);
    this.verbs = this.tokens.map(() => new Map());
    this.tokens.forEach((token, index) => token.on("uart", (text: string) => this.fromToken(index, text)));
    this.server = net.createServer((socket) => this.accept(socket));
    const due = realTimeFollower(1);
    this.ticker = setInterval(() => {
      const ms = due();
      for (const token of this.tokens) token.advanceMs(ms);
    }, 50);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `tcp://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.link?.socket.destroy();
    this.link = null;
    this.ledger?.close();
    this.ledger = null;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The chip id of token `index` (HELLO's id). */
  chipOf(index: number): string {
    return this.tokens[index].options.deviceId;
  }

  tokenWithChip(chip: string | null): SimulatedToken | undefined {
    return this.tokens.find((t) => t.options.deviceId === chip);
  }

  /** The token the ledger records under `serial` (by its chip id). */
  tokenWithSerial(serial: string): SimulatedToken {
    const ledger = openLedger(this.options.ledgerPath);
    try {
      const chip = ledger.getToken(serial)?.tokenId ?? null;
      const token = this.tokenWithChip(chip);
      if (!token) throw new Error(`no token in the rack for ${serial} (chip ${chip})`);
      return token;
    } finally {
      ledger.close();
    }
  }

  /** Lines token `index` received that are requests with this verb. */
  requests(index: number, verb: string): string[] {
    return this.received[index].filter((line) => verbOf(line) === verb);
  }

  /** Drops the current connection (the operator pulls the cable). */
  disconnect(): void {
    this.link?.socket.destroy();
    this.link = null;
  }

  private doneInLedger(index: number): boolean {
    if (this.ledger === null) {
      if (!existsSync(this.options.ledgerPath)) return false;
      this.ledger = openLedger(this.options.ledgerPath);
    }
    const chip = this.chipOf(index);
    return this.ledger.listTokens({ state: "provisioned" }).some((t) => t.tokenId === chip);
  }

  private accept(socket: net.Socket): void {
    this.link?.socket.destroy(); // one cable: a new connection replaces the old one
    while (this.autoAdvance && this.current + 1 < this.tokens.length && this.doneInLedger(this.current)) this.current++;
    const link: Link = { socket, token: this.current, fromHost: "", frozen: false };
    this.link = link;
    this.connections.push(this.current);
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (this.link === link) this.link = null;
    });
    if (this.onConnect?.(link.token) === "freeze") {
      link.frozen = true;
      return;
    }
    socket.on("data", (chunk: Buffer) => this.fromHost(link, chunk.toString("latin1")));
  }

  private fromHost(link: Link, text: string): void {
    link.fromHost += text;
    for (;;) {
      if (link.frozen || this.link !== link) return;
      const end = link.fromHost.indexOf("\n");
      if (end < 0) return;
      const original = link.fromHost.slice(0, end + 1);
      link.fromHost = link.fromHost.slice(end + 1);
      const line = this.garbler ? this.garbler("toToken", original) : original;
      const token = this.tokens[link.token];
      const verb = verbOf(original);
      const pull = this.pulls.findIndex((p) => p.verb === verb && (p.token === undefined || p.token === link.token));
      if (pull >= 0 && line === original) {
        const { afterBytes, powerCycle } = this.pulls.splice(pull, 1)[0];
        const part = line.slice(0, afterBytes < 0 ? line.length + afterBytes : afterBytes);
        this.received[link.token].push(part);
        this.cuts.push({ token: link.token, verb, delivered: part.length, frameBytes: line.length });
        link.frozen = true; // the host never sees an answer
        link.socket.destroy();
        token.sendToToken(part);
        if (powerCycle) {
          token.powerOff();
          token.powerOn();
        }
        return;
      }
      this.received[link.token].push(line);
      if (verb !== "" && line === original) this.verbs[link.token].set(seqOf(line), verb);
      // A hook that freezes the link lets the token act on this frame; its answer goes nowhere.
      if (verb !== "" && this.onRequest?.(line, verb, link.token) === "freeze") link.frozen = true;
      token.sendToToken(line);
    }
  }

  private fromToken(index: number, text: string): void {
    const link = this.link;
    if (link === null || link.token !== index || link.frozen) return;
    for (const original of text.split(/(?<=\n)/)) {
      if (original === "") continue;
      const verb = this.verbs[index].get(/^<(\d+) /.exec(original)?.[1] ?? "") ?? "";
      if (this.onAnswer?.(original, verb, index) === "freeze") {
        link.frozen = true;
        return;
      }
      const line = this.garbler ? this.garbler("toHost", original) : original;
      link.socket.write(Buffer.from(line, "latin1"));
    }
  }
}

/** The verb of a request line (">12 PROVISION ..."), or "". */
export function verbOf(line: string): string {
  return /^>\d+ ([A-Z_]+)/.exec(line)?.[1] ?? "";
}

function seqOf(line: string): string {
  return /^>(\d+) /.exec(line)?.[1] ?? "";
}

/** A seeded PRNG (mulberry32), so a garbling run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GarbleLog {
  toToken: number;
  toHost: number;
}

/**
 * Flips one byte (not the line end, never making one) in a line with probability `p`, at
 * most `max` times per direction, and never within `gap` lines of the last flip, so that
 * every request keeps a clean try among its three.
 */
export function byteFlipper(seed: number, p: number, max: number, gap: number): { garbler: Garbler; log: GarbleLog } {
  const random = seededRandom(seed);
  const log: GarbleLog = { toToken: 0, toHost: 0 };
  let quiet = 0;
  const garbler: Garbler = (direction, line) => {
    const roll = random();
    if (quiet > 0) {
      quiet--;
      return line;
    }
    if (roll >= p || log[direction] >= max || line.length < 2) return line;
    const at = Math.floor(random() * (line.length - 1));
    let mask = 1 + Math.floor(random() * 255);
    if ((line.charCodeAt(at) ^ mask) === 10) mask ^= 0x40;
    log[direction]++;
    quiet = gap;
    return line.slice(0, at) + String.fromCharCode(line.charCodeAt(at) ^ mask) + line.slice(at + 1);
  };
  return { garbler, log };
}
