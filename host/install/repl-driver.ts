/**
 * Talking to the Espruino REPL over a Transport, the way the official upload tools do
 * (DEVICE-PLATFORMS.md): Ctrl-C for a clean prompt, every line prefixed with 0x10 (echo off
 * for that line), XON/XOFF honoured (writing stops at 0x13 until 0x11 arrives).
 *
 * With echo off Espruino prints no `=result` line, so an expression is sent as
 * `\x10print("="+JSON.stringify([id,(EXPR)]))`: its answer is a line `=[id,value]`, which
 * cannot be confused with an echo, a prompt, a stale answer or boot chatter. A line starting
 * `Uncaught` while we wait is the expression's error.
 */
import { SimTransport } from "../transport/sim-transport.js";
import type { Transport } from "../transport/transport.js";
import { ReplTimeoutError, ReplError } from "../errors.js";
export { ReplTimeoutError, ReplError };

export const XOFF = "\x13";
export const XON = "\x11";
export const CTRL_C = "\x03";
export const ECHO_OFF = "\x10";
/** Tries of a line before the install gives up (evaluateRetrying). */
export const RETRY_ATTEMPTS = 3;

/**
 * Waiting that follows the device's clock: real time for a board, virtual time for the
 * in-process simulator (which only moves when told to).
 */
export function pauseFor(transport: Transport): (ms: number) => Promise<void> {
  if (transport instanceof SimTransport) {
    const token = transport.token;
    return async (ms) => token.advanceMs(ms);
  }
  return (ms) => new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts the bytes written through a transport (both directions of the install's figures). */
export class CountingTransport implements Transport {
  bytesWritten = 0;
  bytesRead = 0;
  readonly description: string;
  private readonly stopCounting: () => void;

  constructor(readonly inner: Transport) {
    this.description = inner.description;
    this.stopCounting = inner.onData((text) => {
      this.bytesRead += text.length;
    });
  }

  async write(text: string): Promise<void> {
    this.bytesWritten += text.length;
    await this.inner.write(text);
  }

  onData(listener: (text: string) => void): () => void {
    return this.inner.onData(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.inner.onClose(listener);
  }

  async close(): Promise<void> {
    this.stopCounting();
    await this.inner.close();
  }
}

export interface ReplDriverOptions {
  /** How long to wait for an answer (real milliseconds). Default 3000. */
  timeoutMs?: number;
  /** How to let the device's time pass (default: pauseFor(transport)). */
  pause?: (ms: number) => Promise<void>;
  /** Bytes per transport write, so that an XOFF stops us within one piece. Default 64. */
  pieceBytes?: number;
  /** Longest a single XOFF may hold us (real ms). Default 10000. */
  xoffTimeoutMs?: number;
}

/**
 * Where our answer is in a received line, as `[id,...]...` (the caller cuts at the last `]`):
 * either print()'s own line, `=[id,...]`, or (seen on a loaded machine right after MAINTENANCE,
 * with echo back on) the REPL showing that same text as a string value, `="=[id,...]"`, whose
 * quotes inside are escaped. Null when the line holds no answer to `marker` ("=[id,").
 */
function answerIn(line: string, marker: string): { text: string; shownAsValue: boolean } | null {
  const at = line.indexOf(marker);
  if (at < 0) return null;
  if (line.slice(at - 2, at) !== '="') return { text: line.slice(at + 1), shownAsValue: false };
  const literal = line.slice(at - 1, line.lastIndexOf('"') + 1);
  try {
    const shown = JSON.parse(literal) as unknown;
    if (typeof shown === "string" && shown.startsWith(marker)) return { text: shown.slice(1), shownAsValue: true };
  } catch {
    // not a whole string literal: handed on as it is, and refused as "not JSON"
  }
  return { text: line.slice(at + 1), shownAsValue: true };
}

export class ReplDriver {
  /** Lines received that were not an answer we waited for (boot chatter, errors). */
  readonly chatter: string[] = [];
  private partial = "";
  private paused = false;
  private resume: Array<() => void> = [];
  private nextId = 1;
  private waiter: ((line: string) => void) | null = null;
  /** An answer came back in the REPL's value form: sync() before the next line. */
  private resyncFirst = false;
  private readonly unsubscribe: () => void;
  private readonly timeoutMs: number;
  private readonly pieceBytes: number;
  private readonly xoffTimeoutMs: number;
  readonly pause: (ms: number) => Promise<void>;

  constructor(
    readonly transport: Transport,
    options: ReplDriverOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.pieceBytes = options.pieceBytes ?? 64;
    this.xoffTimeoutMs = options.xoffTimeoutMs ?? 10000;
    this.pause = options.pause ?? pauseFor(transport);
    this.unsubscribe = transport.onData((text) => this.onData(text));
  }

  private onData(text: string): void {
    let rest = "";
    for (const ch of text) {
      if (ch === XOFF) this.paused = true;
      else if (ch === XON) {
        this.paused = false;
        for (const go of this.resume.splice(0)) go();
      } else rest += ch;
    }
    this.partial += rest;
    let newline: number;
    while ((newline = this.partial.indexOf("\n")) >= 0) {
      const line = this.partial.slice(0, newline).replace(/\r$/, "");
      this.partial = this.partial.slice(newline + 1);
      if (this.waiter !== null) this.waiter(line);
      else this.chatter.push(line);
    }
  }

  /** Whether the device has asked us to stop sending (XOFF without XON yet). */
  isPaused(): boolean {
    return this.paused;
  }

  private async waitWhilePaused(): Promise<void> {
    if (!this.paused) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ReplTimeoutError(`the device sent XOFF and no XON for ${this.xoffTimeoutMs} ms`)), this.xoffTimeoutMs);
      this.resume.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Writes bytes, in pieces, stopping while the device holds us off with XOFF. */
  async send(text: string): Promise<void> {
    for (let i = 0; i < text.length; i += this.pieceBytes) {
      await this.waitWhilePaused();
      await this.transport.write(text.slice(i, i + this.pieceBytes));
    }
  }

  /** Ctrl-C: whatever was half typed is dropped and the REPL shows a prompt. */
  async interrupt(): Promise<void> {
    await this.send(CTRL_C);
    await this.pause(100);
    this.partial = "";
  }

  /**
   * Gets the prompt's attention: Ctrl-C and a trivial expression, again (waiting a little longer
   * each time) until it answers or `totalMs` has passed. A console just handed over by
   * MAINTENANCE may still be the firmware's for a moment on a busy chip, and whatever reached
   * the firmware instead of the prompt is never answered.
   */
  async sync(totalMs = this.timeoutMs, firstAttemptMs = 1000): Promise<void> {
    const deadline = Date.now() + totalMs;
    let attemptMs = Math.min(firstAttemptMs, totalMs);
    for (;;) {
      this.resyncFirst = false; // this is the resync
      await this.interrupt();
      try {
        await this.evaluate("0", attemptMs);
        // Even "0" came back shown as a value: once more, while there is time (the answers
        // still read right if the prompt keeps doing it).
        if (!this.resyncFirst || Date.now() >= deadline) {
          this.resyncFirst = false;
          return;
        }
      } catch (error) {
        // A stray error line from a mangled earlier line (a ReplError) is as much "not yet" as silence.
        if (!(error instanceof ReplTimeoutError || error instanceof ReplError) || Date.now() >= deadline) throw error;
      }
      attemptMs = Math.max(1, Math.min(attemptMs * 2, deadline - Date.now()));
    }
  }

  /** Evaluates a JavaScript expression on the device and returns its value (through JSON). */
  async evaluate<T = unknown>(expression: string, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.resyncFirst) await this.sync();
    const id = this.nextId++;
    const marker = `=[${id},`;
    const line = `${ECHO_OFF}print("="+JSON.stringify([${id},(${expression})]))\n`;
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ReplTimeoutError(`no answer from the Espruino prompt on ${this.transport.description} within ${timeoutMs} ms (is the board powered, on this port, and not running other code?)`));
      }, timeoutMs);
      this.waiter = (received) => {
        const found = answerIn(received, marker);
        if (found !== null) {
          clearTimeout(timer);
          this.waiter = null;
          // Shown as a value, the line was not taken as sent (echo on, and whatever else the
          // REPL made of it may still print an error): the prompt is cleared before the next.
          if (found.shownAsValue) this.resyncFirst = true;
          resolve(found.text);
          return;
        }
        const uncaught = received.indexOf("Uncaught ");
        if (uncaught >= 0) {
          clearTimeout(timer);
          this.waiter = null;
          reject(new ReplError(received.slice(uncaught)));
          return;
        }
        this.chatter.push(received);
      };
    });
    // The write may fail (link gone); the answer may come back while we are still writing.
    const sent = this.send(line);
    sent.catch(() => undefined);
    answer.catch(() => undefined);
    await sent;
    const text = await answer;
    let parsed: unknown;
    try {
      // The answer is one JSON array; anything after its closing bracket on the same line is
      // the REPL's own chatter, not ours.
      parsed = JSON.parse(text.slice(0, text.lastIndexOf("]") + 1));
    } catch {
      throw new ReplError(`an answer that is not JSON: ${text.slice(0, 80)}`);
    }
    return (parsed as [number, T])[1];
  }

  /**
   * evaluate(), tried again when the answer does not come or the line arrived garbled (a UART
   * that drops bytes, a device that fell behind): the prompt is cleared with sync() and `again`
   * is sent, up to `attempts` times in all. `again` must be safe whether or not the lost try
   * ran on the device (a read; a write that first checks whether it was done).
   */
  async evaluateRetrying<T = unknown>(expression: string, again = expression, onRetry: (why: string) => void = () => undefined, attempts = RETRY_ATTEMPTS): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.evaluate<T>(attempt === 1 ? expression : again);
      } catch (error) {
        if (!(error instanceof ReplTimeoutError || error instanceof ReplError) || attempt >= attempts) throw error;
        onRetry((error as Error).message);
        await this.sync();
      }
    }
  }

  /** Sends a line with echo off and expects no answer (E.reboot()). */
  async sendLine(code: string): Promise<void> {
    await this.send(`${ECHO_OFF}${code}\n`);
  }

  close(): void {
    this.unsubscribe();
    this.waiter = null;
  }
}
