/**
 * A token that lies, for the host's refusal paths: the simulator can put it between the UART
 * and the firmware. Each lie keeps the frames well formed (CRCs recomputed), so only the
 * host's own checks can catch it:
 * - "seed": the firmware is given a PROVISION whose first profile's secret differs in its last
 *   byte (as a token with a corrupting flash or a malicious firmware would store);
 * - "mac": every VERIFY answer's mac has its last digit changed.
 */
import zlib from "node:zlib";
import { decodeFrame, encodeFrame } from "../../shared/protocol/frame.js";

export type Lie = "seed" | "mac";

const crc32 = (text: string): number => zlib.crc32(Buffer.from(text, "latin1")) | 0;

function otherHexDigit(digit: string): string {
  return digit === "0" ? "1" : "0";
}

/** Rewrites one complete line (without "\n"), or returns it unchanged. */
function rewrite(line: string, change: (keys: string[], values: string[], verb: string) => boolean): string {
  const decoded = decodeFrame(line, crc32);
  const frame = decoded.frame;
  if (frame === null || !change(frame.keys, frame.values, frame.verb)) return line;
  return encodeFrame(frame, crc32).replace(/\n$/, "");
}

/** Splits a byte stream into lines for `onLine`; keeps the unfinished rest. */
export class LineRewriter {
  private partial = "";

  constructor(private readonly onLine: (line: string) => string) {}

  push(text: string): string {
    const all = this.partial + text;
    const end = all.lastIndexOf("\n");
    if (end < 0) {
      this.partial = all;
      return "";
    }
    this.partial = all.slice(end + 1);
    return all
      .slice(0, end)
      .split("\n")
      .map((line) => this.onLine(line) + "\n")
      .join("");
  }
}

/** Changes the last hex digit of field `key` in frames of `verb`, for `lie` only. */
function lying(lie: Lie, wanted: Lie, verb: string, key: string): LineRewriter {
  return new LineRewriter((line) =>
    lie !== wanted
      ? line
      : rewrite(line, (keys, values, frameVerb) => {
          const at = keys.indexOf(key);
          if (frameVerb !== verb || at < 0 || values[at].length === 0) return false;
          values[at] = values[at].slice(0, -1) + otherHexDigit(values[at].slice(-1));
          return true;
        }),
  );
}

/** What the host sends, as the lying token's firmware receives it. */
export function lieToFirmware(lie: Lie): LineRewriter {
  return lying(lie, "seed", "PROVISION", "p1_secret");
}

/** What the firmware answers, as the lying token sends it. */
export function lieToHost(lie: Lie): LineRewriter {
  return lying(lie, "mac", "OK", "mac");
}
