/**
 * Splits the UART byte stream into lines for decodeFrame.
 *
 * Chunks arrive cut anywhere (a frame can span several `Serial1.on("data")` calls, one call can
 * hold several frames). A line over MAX_FRAME_BYTES is reported once and its bytes are dropped
 * up to the next "\n" instead of being kept: the token's heap is small, and the protocol answers
 * `too_long` and carries on with the next line.
 *
 * Sizes follow PROTOCOL.md: a line is at most MAX_FRAME_BYTES with its "\n"; a "\r" before the
 * "\n" is not counted. Blank lines (a host's keep-alive, a stray "\r\n") are ignored.
 */
import { MAX_FRAME_BYTES } from "./frame.js";

export interface LineReader {
  /** The start of a line whose "\n" has not arrived yet. */
  buffer: string;
  /** True while dropping the rest of an overlong line. */
  discarding: boolean;
}

export function newLineReader(): LineReader {
  return { buffer: "", discarding: false };
}

/** True when a line (without "\n", maybe with its "\r") is over the limit. */
function isOverlong(line: string): boolean {
  const length = line.length;
  if (length < MAX_FRAME_BYTES) {
    return false;
  }
  return length > MAX_FRAME_BYTES || line.charCodeAt(length - 1) !== 13;
}

/**
 * Feeds a chunk: calls onLine for each complete line (without "\n" and a trailing "\r"), and
 * onOverflow once for each overlong line.
 */
export function pushChunk(
  reader: LineReader,
  chunk: string,
  onLine: (this: void, line: string) => void,
  onOverflow: (this: void) => void,
): void {
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf("\n", start);
    if (newline < 0) {
      if (!reader.discarding) {
        reader.buffer = reader.buffer + chunk.substring(start);
        if (isOverlong(reader.buffer)) {
          reader.buffer = "";
          reader.discarding = true;
          onOverflow();
        }
      }
      start = chunk.length;
    } else {
      if (reader.discarding) {
        reader.discarding = false;
      } else {
        let line = reader.buffer + chunk.substring(start, newline);
        reader.buffer = "";
        if (isOverlong(line)) {
          onOverflow();
        } else {
          if (line.length !== 0 && line.charCodeAt(line.length - 1) === 13) {
            line = line.substring(0, line.length - 1);
          }
          if (line !== "") {
            onLine(line);
          }
        }
      }
      start = newline + 1;
    }
  }
}
