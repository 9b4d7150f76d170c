/** The wire scan itself must catch what it is for. */
import { describe, expect, it } from "vitest";
import { findSecret } from "./support.js";

const secret = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 255);
const hex = Buffer.from(secret).toString("hex");

describe("findSecret", () => {
  it.each([
    ["hex", `<5 OK mac=${hex} *00000000\n`, "as hex"],
    ["uppercase hex", `<5 OK x=${hex.toUpperCase()}`, "as hex"],
    ["a stretch of hex", `<5 OK x=${hex.slice(10, 30)}`, "8 bytes from offset 5 as hex"],
    ["raw bytes", `<5 OK ${Buffer.from(secret).toString("latin1")}`, "as raw bytes"],
  ])("finds the secret %s", (_what, wire, where) => {
    expect(findSecret(wire, secret)).toBe(where);
  });

  it("finds it as Base32", () => {
    const expected = Buffer.from(secret);
    // RFC 4648 Base32, computed here independently of the project's codec:
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = "";
    for (const b of expected) bits += b.toString(2).padStart(8, "0");
    let mine = "";
    for (let i = 0; i + 5 <= bits.length; i += 5) mine += alphabet[parseInt(bits.slice(i, i + 5), 2)];
    expect(findSecret(`<1 OK x=${mine.slice(0, 20)}`, secret)).toBe("as Base32");
  });

  it("passes a wire without it", () => {
    expect(findSecret(`<5 OK mac=${"ab".repeat(20)} code=123456\n`, secret)).toBeNull();
  });
});
