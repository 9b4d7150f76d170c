/**
 * The Espruino REPL as the simulated chip runs it while the console is on Serial1 (a chip with
 * no boot code, or after MAINTENANCE handed the console back): bytes from the host are
 * collected into lines and each line is evaluated in the chip's vm context.
 *
 * What is modelled (Espruino's src/jsinteractive.c, simplified to one statement per line):
 * - characters are echoed as they arrive, unless the line began with 0x10 (echo off for that
 *   line, as the upload tools send every line);
 * - Ctrl-C (0x03) drops the line being typed and prints a fresh prompt;
 * - Enter (\r or \n; an empty line is ignored) evaluates the line. With echo on the result is
 *   printed as `=value` and then the `>` prompt; with echo off nothing is printed but what the
 *   code itself prints (print/console.log go to the UART while the console is there);
 * - an exception prints `Uncaught <Error>: <message>` (echo on or off);
 * - backspace (0x08, 0x7f) deletes the last character; XON/XOFF and other control bytes are
 *   ignored.
 * A power cut in the middle of an evaluation (a Storage write) stops everything silently.
 */
import vm from "node:vm";

export interface ReplHost {
  context: vm.Context;
  /** Bytes to the UART (the console). */
  write(text: string): void;
  /** False once the chip lost power or restarted: the REPL then stops talking. */
  alive(): boolean;
}

export interface SimRepl {
  receive(text: string): void;
  /** The input line typed so far (tests). */
  pending(): string;
}

/** `=value` as Espruino prints a result (close enough for a host to parse simple values). */
export function formatResult(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "function () { [code] }";
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function describeError(error: unknown): string {
  if (error instanceof Error || (error !== null && typeof error === "object" && "message" in error)) {
    const e = error as Error;
    return `${e.name ?? "Error"}: ${e.message}`;
  }
  return String(error);
}

export function createRepl(host: ReplHost): SimRepl {
  let line = "";
  let echoOff = false;
  let atLineStart = true;

  const out = (text: string) => {
    if (host.alive()) host.write(text);
  };

  const evaluate = (code: string, echo: boolean) => {
    let result: unknown;
    try {
      result = vm.runInContext(code, host.context, { filename: "REPL" });
    } catch (error) {
      if (!host.alive()) return; // the power went in the middle of it
      out(`Uncaught ${describeError(error)}\r\n`);
      if (echo) out(">");
      return;
    }
    if (!host.alive()) return;
    if (echo) out(`=${formatResult(result)}\r\n>`);
  };

  return {
    receive(text: string) {
      for (const ch of text) {
        if (!host.alive()) return;
        const code = ch.charCodeAt(0);
        if (code === 0x03) {
          line = "";
          echoOff = false;
          atLineStart = true;
          out("\r\n>");
          continue;
        }
        if (code === 0x10 && atLineStart) {
          echoOff = true;
          atLineStart = false;
          continue;
        }
        if (ch === "\r" || ch === "\n") {
          const typed = line;
          const echo = !echoOff;
          line = "";
          echoOff = false;
          atLineStart = true;
          if (typed.trim() === "") continue;
          if (echo) out("\r\n");
          evaluate(typed, echo);
          continue;
        }
        if (code === 0x08 || code === 0x7f) {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!echoOff) out("\x08 \x08");
          }
          continue;
        }
        if (code < 0x20 && ch !== "\t") continue; // XON/XOFF, 0x05 and friends
        atLineStart = false;
        line += ch;
        if (!echoOff) out(ch);
      }
    },
    pending: () => line,
  };
}
