/**
 * Request frames and auth written by hand from PROTOCOL.md, independent of shared/protocol's
 * encoder, and answers decoded for assertions. Used by the simulator suites and by the
 * firmware app suite, which drive a token over its UART the way a host would.
 */
import { expect } from "vitest";
import { createHmac } from "node:crypto";
import zlib from "node:zlib";
import type { ProfileSpec } from "../../host/device/client.js";
import { decodeFrame, fieldValue, type Frame } from "../../shared/protocol/frame.js";



/** The bytes a value may carry raw (PROTOCOL.md "Frames"); everything else goes as %XX. */
const RAW_VALUE = /^[A-Za-z0-9._:/,-]$/;

/** A field value (bytes 0-255) as it goes on the wire. */
export function wireValue(bytes: string): string {
  let out = "";
  for (const ch of bytes) {
    out += RAW_VALUE.test(ch) ? ch : "%" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** `k=v k=v` with values encoded: the text an auth HMAC covers. */
export function wireFields(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${k}=${wireValue(v)}`).join(" ");
}

/** CRC-32/ISO-HDLC as 8 lowercase hex digits. */
export function crcHex(text: string): string {
  return (zlib.crc32(Buffer.from(text, "latin1")) >>> 0).toString(16).padStart(8, "0");
}

/** A whole frame line, "\n" included: `<dir><seq> <VERB>[ k=v]... *<crc>\n`. */
export function wireFrame(seq: number, verb: string, fields: Array<[string, string]> = [], dir: ">" | "<" = ">"): string {
  const text = wireFields(fields);
  const covered = `${dir}${seq} ${verb}${text === "" ? "" : " " + text} `;
  return `${covered}*${crcHex(covered)}\n`;
}

/** auth = hex(HMAC-SHA-256(mkey, nonce + " " + VERB + " " + fields as on the wire)). */
export function authFor(mkey: Uint8Array, nonce: string, verb: string, fields: Array<[string, string]>): string {
  return createHmac("sha256", mkey).update(Buffer.from(`${nonce} ${verb} ${wireFields(fields)}`, "latin1")).digest("hex");
}

export interface Answer {
  line: string;
  frame: Frame;
  verb: string;
  seq: number;
  get(key: string): string | null;
}

/** Decodes one line the token sent; fails the test unless it is a well-formed `<` frame. */
export function parseAnswer(line: string): Answer {
  const decoded = decodeFrame(line, null);
  expect(decoded.error, `answer ${JSON.stringify(line)} decodes`).toBe("");
  const frame = decoded.frame!;
  expect(frame.toToken, "answers are < frames").toBe(false);
  return { line, frame, verb: frame.verb, seq: frame.seq, get: (key) => fieldValue(frame, key) };
}


/** PROVISION fields as the spec lists them. */
export function provisionFields(serial: string, mkey: Uint8Array, profiles: ProfileSpec[]): Array<[string, string]> {
  const fields: Array<[string, string]> = [["serial", serial], ["mkey", Buffer.from(mkey).toString("hex")], ["count", String(profiles.length)]];
  profiles.forEach((p, i) => {
    const n = `p${i + 1}_`;
    fields.push([n + "label", p.label], [n + "kind", p.kind], [n + "alg", p.algorithm], [n + "digits", String(p.digits)]);
    fields.push(p.kind === "totp" ? [n + "period", String(p.period ?? 30)] : [n + "counter", String(p.counter ?? 0)]);
    fields.push([n + "secret", Buffer.from(p.secret).toString("hex")]);
  });
  return fields;
}

