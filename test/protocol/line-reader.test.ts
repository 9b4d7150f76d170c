/** shared/protocol/line-reader.ts: lines out of UART chunks cut anywhere, and overlong lines. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../shared/protocol/frame.js";
import { LineReader, newLineReader, pushChunk } from "../../shared/protocol/line-reader.js";
import { frameArb } from "./helpers.js";

/** Feeds the chunks; returns the events in order ("!" for an overflow). */
function feed(chunks: string[], reader: LineReader = newLineReader()): string[] {
  const events: string[] = [];
  for (const chunk of chunks) {
    pushChunk(reader, chunk, (line) => events.push(line), () => events.push("!"));
  }
  return events;
}

/** Cuts text at the given points (any numbers; taken modulo the length). */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let start = 0;
  for (const p of at) {
    chunks.push(text.slice(start, p));
    start = p;
  }
  chunks.push(text.slice(start));
  return chunks;
}

describe("pushChunk", () => {
  it("gives the same lines wherever the stream is cut (frames, \\n or \\r\\n, blank lines)", () => {
    const lineArb = fc.oneof(frameArb.map((f) => encodeFrame(f, null).slice(0, -1)), fc.constant(""), fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, "")));
    fc.assert(
      fc.property(fc.array(fc.tuple(lineArb, fc.boolean()), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, points) => {
        const stream = lines.map(([line, crlf]) => line + (crlf ? "\r\n" : "\n")).join("");
        const expected = lines.map(([line]) => line).filter((line) => line !== "");
        expect(feed(cut(stream, points))).toEqual(expected);
        expect(feed(stream.split(""))).toEqual(expected);
      }),
    );
  });

  it("keeps an unfinished line until its \\n arrives", () => {
    const reader = newLineReader();
    expect(feed([">1 HEL", "LO *1234"], reader)).toEqual([]);
    expect(reader.buffer).toBe(">1 HELLO *1234");
    expect(feed(["5678\r", "\nnext"], reader)).toEqual([">1 HELLO *12345678"]);
    expect(reader.buffer).toBe("next");
  });

  it("ignores blank lines and strips only one trailing \\r", () => {
    expect(feed(["\n\r\n\n", "a\r\r\n", "\r\n"])).toEqual(["a\r"]);
  });

  it("reports an overlong line once, drops it up to its \\n, then reads the next line", () => {
    const long = "x".repeat(3000);
    expect(feed([long + "\nok\n"])).toEqual(["!", "ok"]);
    const reader = newLineReader();
    const chunks = cut(long + "\r\n>1 TIME *00000000\r\n", [100, 2047, 2048, 2049, 2500, 3001, 3010]);
    expect(feed(chunks, reader)).toEqual(["!", ">1 TIME *00000000"]);
    expect(reader).toEqual({ buffer: "", discarding: false });
  });

  it("reports the overflow as soon as the line is too long, before its \\n", () => {
    const reader = newLineReader();
    expect(feed(["y".repeat(2049)], reader)).toEqual(["!"]);
    expect(reader).toEqual({ buffer: "", discarding: true });
    expect(feed(["y".repeat(5000), "yy\nz\n"], reader)).toEqual(["z"]);
  });

  it("takes 2047 bytes before the \\n (2048 with it), plus a \\r; refuses one more", () => {
    const max = "m".repeat(2047);
    expect(feed([max + "\n"])).toEqual([max]);
    expect(feed([max + "\r\n"])).toEqual([max]);
    expect(feed([max, "\r", "\n"])).toEqual([max]);
    expect(feed([max + "m\n"])).toEqual(["!"]);
    expect(feed([max, "m", "\n"])).toEqual(["!"]);
    expect(feed([max + "\rm\n"])).toEqual(["!"]);
    expect(feed([max + "\r\r\n"])).toEqual(["!"]);
  });
});
