/**
 * Test-side helpers for the export suites. Everything here is independent of the code under
 * test: otplib computes codes, Base32 is decoded by a local RFC 4648 decoder, XML is read by
 * fast-xml-parser with namespaces resolved here, crypto is node:crypto.
 */
import { readdirSync } from "node:fs";
import { createGuardrails, generateSync } from "otplib";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ExportToken } from "../../host/export/types.js";

/** otplib refuses secrets under 16 bytes by default; tokens imported from elsewhere can be 10. */
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10, MAX_SECRET_BYTES: 1024 });

export const TIMES = [0, 59, 1_111_111_109, 1_234_567_890, 2_000_000_000, 2 ** 32 - 1];

/** The code a server holding `secret` computes, by otplib. */
export function oracleCode(
  secret: Uint8Array | string,
  p: { kind: "totp" | "hotp"; algorithm: "SHA1" | "SHA256"; digits: number; period: number; counter: number },
  time: number,
): string {
  const algorithm = p.algorithm === "SHA1" ? "sha1" : "sha256";
  if (p.kind === "hotp") {
    return generateSync({ strategy: "hotp", secret, counter: p.counter, digits: p.digits as 6 | 7 | 8, algorithm, guardrails });
  }
  return generateSync({ secret, epoch: time, period: p.period, digits: p.digits as 6 | 7 | 8, algorithm, guardrails });
}

/** Codes at TIMES for the original token (the expectation every read-back must meet). */
export function originalCodes(token: ExportToken): string[] {
  return TIMES.map((t) => oracleCode(token.secret, token, t));
}

let serialCounter = 0;
export function makeToken(overrides: Partial<ExportToken> = {}): ExportToken {
  serialCounter += 1;
  const secret = new Uint8Array(20);
  for (let i = 0; i < secret.length; i++) secret[i] = (serialCounter * 31 + i * 7) & 255;
  return {
    serial: `TS-${String(serialCounter).padStart(5, "0")}`,
    label: `Token ${serialCounter}`,
    kind: "totp",
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    counter: 0,
    secret,
    ...overrides,
  };
}

/** RFC 4648 section 6 Base32 decoder (no padding expected), written for the tests. */
export function decodeBase32(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not Base32: ${JSON.stringify(ch)}`);
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 255);
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

export const hexToBytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

/** Directory listing (names, sorted) for "nothing was written" checks. */
export const listing = (dir: string) => readdirSync(dir).sort();

// ---------------------------------------------------------------- XML with namespaces

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/**
 * Parses XML with fast-xml-parser and renames every element to "{namespace-uri}Local" using
 * the xmlns declarations in scope, so tests assert on namespaces, not on prefixes.
 * Attributes keep their names with an "@" prefix; text is "#text".
 */
export function parseXmlNs(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
  });
  return resolve(parser.parse(xml) as XmlNode, {}) as XmlNode;
}

/** Declarations made on this element (its "@xmlns..." attributes) added to `scope`. */
function scopeOf(value: XmlValue, scope: Record<string, string>): Record<string, string> {
  if (typeof value !== "object" || Array.isArray(value)) return scope;
  const inner = { ...scope };
  for (const [key, v] of Object.entries(value)) {
    if (key === "@xmlns" && typeof v === "string") inner[""] = v;
    else if (key.startsWith("@xmlns:") && typeof v === "string") inner[key.slice(7)] = v;
  }
  return inner;
}

/** `value` holds the children of an element whose declarations are already in `scope`. */
function resolve(value: XmlValue, scope: Record<string, string>): XmlValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const out: XmlNode = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith("@") || key === "#text") {
      out[key] = v;
      continue;
    }
    // Each occurrence of a child element may declare namespaces that also apply to its own name.
    const occurrences = Array.isArray(v) ? v : [v];
    const resolved = occurrences.map((occurrence) => {
      const inner = scopeOf(occurrence, scope);
      return { name: qualify(key, inner), value: resolve(occurrence, inner) };
    });
    for (const r of resolved) {
      if (r.name !== resolved[0].name) throw new Error(`one prefix, two namespaces: ${key}`);
    }
    out[resolved[0].name] = Array.isArray(v) ? resolved.map((r) => r.value) : resolved[0].value;
  }
  return out;
}

function qualify(key: string, scope: Record<string, string>): string {
  const colon = key.indexOf(":");
  const prefix = colon >= 0 ? key.slice(0, colon) : "";
  const local = colon >= 0 ? key.slice(colon + 1) : key;
  const uri = scope[prefix];
  if (prefix !== "" && uri === undefined) throw new Error(`undeclared namespace prefix ${prefix}`);
  return `{${uri ?? ""}}${local}`;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Follows a path of "{ns}Local" names; fails the test with the path if something is missing. */
export function child(node: XmlValue, ...names: string[]): XmlValue {
  let current: XmlValue = node;
  for (const name of names) {
    if (typeof current !== "object" || Array.isArray(current) || !(name in current)) {
      throw new Error(`missing ${name} in path ${names.join(" / ")}`);
    }
    current = current[name];
  }
  return current;
}

/** Text of an element that may be a plain string or an object with "#text". */
export function text(node: XmlValue): string {
  if (typeof node === "string") return node;
  if (!Array.isArray(node) && typeof node["#text"] === "string") return node["#text"];
  throw new Error(`no text in ${JSON.stringify(node)}`);
}

export const attr = (node: XmlValue, name: string): string | undefined =>
  typeof node === "object" && !Array.isArray(node) && typeof node["@" + name] === "string" ? (node["@" + name] as string) : undefined;
