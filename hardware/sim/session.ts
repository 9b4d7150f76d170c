/**
 * `tokensmith sim`: a simulated token on a TCP port, scripted from stdin, its display drawn
 * in the terminal. Virtual time follows real time, `speed` times faster.
 */
import readline from "node:readline";
import { SimulatedToken, type SimTokenOptions } from "./token.js";
import { listenUart } from "./uart-server.js";
import { runControl } from "./control.js";
import { renderToTerminal } from "./render/terminal.js";
import { DisplayPrinter } from "./render/display-printer.js";

export interface SimSessionOptions extends SimTokenOptions {
  host: string;
  port: number;
  /** Virtual seconds per real second. */
  speed: number;
  /** Redraw the display in the terminal when it changes. */
  drawDisplay: boolean;
  color: boolean;
  /** Draw each new picture over the last (a terminal), instead of appending it (a log). */
  redrawInPlace?: boolean;
  /** One JSON object a line (where it listens, each reply), for scripts; no display drawing. */
  json?: boolean;
}

export interface SimSessionIo {
  input: NodeJS.ReadableStream;
  print(text: string): void;
}

const TICK_MS = 50;

/**
 * The virtual milliseconds due since the last call: the real time elapsed (from `now`, in ms)
 * times `speed`, fractions carried over. Counting ticks instead would fall behind whenever a
 * loaded machine runs the timer late (8 s in 3.5 minutes was seen): the twin keeps time.
 */
export function realTimeFollower(speed: number, now: () => number = () => performance.now()): () => number {
  let last = now();
  let carry = 0;
  return () => {
    const current = now();
    carry += (current - last) * speed;
    last = current;
    const step = Math.floor(carry);
    carry -= step;
    return step;
  };
}

/** Changes whenever the flash's content may have: what was written, compacted or erased. */
function flashMark(token: SimulatedToken): string {
  const flash = token.flash;
  return `${flash.writeCalls}/${flash.bytesWrittenTotal}/${flash.compactions}/${flash.list().join(",")}`;
}

/** Runs until `quit`, SIGINT or SIGTERM (not end of input); resolves when stopped. */
export async function runSimSession(options: SimSessionOptions, io: SimSessionIo): Promise<void> {
  const token = new SimulatedToken(options);
  const server = await listenUart(token, options.host, options.port);
  const printer = new DisplayPrinter((text) => io.print(text), options.redrawInPlace === true);
  const say = (text: string, fields: Record<string, unknown> = {}) =>
    printer.text(options.json ? JSON.stringify({ message: text, ...fields }) + "\n" : text + "\n");
  say(`simulated token listening on ${server.host}:${server.port} (connect with --port tcp://${server.host}:${server.port})`, {
    listening: `tcp://${server.host}:${server.port}`,
    chipId: token.flash.chipId,
  });
  token.powerOn();
  const draw = () => {
    if (options.drawDisplay && !options.json) printer.picture(renderToTerminal(token.display, { color: options.color }));
  };
  draw();
  // --flash FILE: the token's flash is written back whenever it changed (a killed session loses
  // at most the last tick), and when the session ends.
  let keptMark = flashMark(token);
  const keepFlash = (force = false) => {
    if (options.flashFile === undefined) return;
    const mark = flashMark(token);
    if (!force && mark === keptMark) return;
    token.flash.save(options.flashFile);
    keptMark = mark;
  };
  keepFlash(true);
  const due = realTimeFollower(options.speed);
  const ticker = setInterval(() => {
    token.advanceMs(due());
    draw();
    keepFlash();
  }, TICK_MS);
  const lines = readline.createInterface({ input: io.input, terminal: false });
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  lines.on("line", (line) => {
    const result = runControl(token, line);
    if (result.reply) say(result.reply);
    draw();
    if (result.quit) stop();
  });
  // End of input is not a request to stop: `tokensmith sim ... < /dev/null &` keeps serving.
  lines.on("close", () => say("(no more control input; running until interrupted)"));
  const onSignal = () => stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await stopped;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    clearInterval(ticker);
    lines.close();
    await server.close();
    token.powerOff();
    keepFlash(true);
  }
}
