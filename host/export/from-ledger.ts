/**
 * Exports read from the ledger: the chosen provisioned tokens, their seeds opened from the
 * escrow, formatted by the pure formatters. What to write where is returned, not written.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Ledger, TokenRecord } from "../ledger/ledger.js";
import { ExportError, type ExportToken } from "./types.js";
import { duoImportSections } from "./duo.js";
import { entraCsv } from "./entra.js";
import { pskcEncrypted, pskcPlain } from "./pskc.js";
import { otpauthUri } from "./otpauth.js";

export type ExportFormat = "duo" | "entra" | "pskc" | "otpauth";

export interface ExportSelection {
  batchId?: number;
  serials?: string[];
}

export interface ExportFile {
  /** "" for the main file; a Duo token type ("t6", ...) when one file per type is needed. */
  part: string;
  title: string;
  text: string;
  serials: string[];
}

/** The provisioned tokens selected, in serial order; unknown serials are an error. */
export function selectTokens(ledger: Ledger, selection: ExportSelection): TokenRecord[] {
  const tokens = ledger.listTokens({ batchId: selection.batchId, state: "provisioned" });
  if (selection.serials && selection.serials.length > 0) {
    const bySerial = new Map(tokens.map((t) => [t.serial, t]));
    const missing = selection.serials.filter((s) => !bySerial.has(s));
    if (missing.length) throw new ExportError(`not provisioned tokens in this ledger: ${missing.join(", ")}`);
    return selection.serials.map((s) => bySerial.get(s)!);
  }
  if (tokens.length === 0) throw new ExportError("no provisioned tokens match: nothing to export");
  return tokens.sort((a, b) => a.serial.localeCompare(b.serial));
}

/** The tokens with their seeds from the escrow (which must be unlocked). */
export function tokensWithSeeds(ledger: Ledger, records: TokenRecord[], issuer?: string): ExportToken[] {
  const without = records.filter((r) => !r.hasEscrowedSeed).map((r) => r.serial);
  if (without.length) {
    const withSeed = records.filter((r) => r.hasEscrowedSeed).map((r) => r.serial);
    const SHOWN = 5;
    const others =
      withSeed.length === 0
        ? ""
        : `. To export the ${withSeed.length === 1 ? "selected token that has one, name it" : `${withSeed.length} selected tokens that have one, name them`} with --serial ${withSeed.slice(0, SHOWN).join(" ")}${withSeed.length > SHOWN ? " ..." : ""}, or pick a batch provisioned with --escrow with --batch ID (tokensmith ledger list shows batches)`;
    throw new ExportError(
      `no escrowed seed for ${without.join(", ")}: they were provisioned without --escrow, so their import file (written while provisioning) is the seeds' only copy${others}`,
    );
  }
  return records.map((r) => ({
    serial: r.serial,
    label: r.label,
    kind: r.kind,
    algorithm: r.algorithm,
    digits: r.digits as 6 | 7 | 8,
    period: r.period,
    counter: r.counter,
    secret: ledger.escrowedSeed(r.serial)!,
    issuer,
    account: r.serial,
  }));
}

/** "serial,upn" lines (a header line is allowed) to a lookup. */
export function readUpnMap(file: string): (serial: string) => string | undefined {
  const map = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const [serial, upn] = line.split(",").map((f) => f.trim());
    if (serial && upn && serial.toLowerCase() !== "serial") map.set(serial, upn);
  }
  return (serial) => map.get(serial);
}

export interface FormatOptions {
  upnFor?: (serial: string) => string | undefined;
  manufacturer?: string;
  model?: string;
  /** PSKC: encrypt with this password (PBKDF2 + AES-128-CBC + HMAC-SHA1, RFC 6030 6.2). */
  password?: string;
}

export function formatExport(format: ExportFormat, tokens: ExportToken[], options: FormatOptions): ExportFile[] {
  const serials = tokens.map((t) => t.serial);
  switch (format) {
    case "duo":
      // Duo imports one token type at a time: one file per type.
      return duoImportSections(tokens).map((section) => ({
        part: section.tokenType,
        title: section.title,
        text: section.text,
        serials: section.text.split("\n").filter(Boolean).map((line) => line.split(",")[0]),
      }));
    case "entra":
      return [{ part: "", title: "Entra ID hardware OATH CSV", text: entraCsv(tokens, { upnFor: options.upnFor, manufacturer: options.manufacturer, model: options.model }), serials }];
    case "pskc":
      return [
        {
          part: "",
          title: options.password ? "PSKC 1.0, password-encrypted" : "PSKC 1.0 (plain: protect this file)",
          text: options.password
            ? pskcEncrypted(tokens, { password: options.password, manufacturer: options.manufacturer, model: options.model })
            : pskcPlain(tokens, { manufacturer: options.manufacturer, model: options.model }),
          serials,
        },
      ];
    case "otpauth":
      return [{ part: "", title: "otpauth URIs", text: tokens.map((t) => otpauthUri(t) + "\n").join(""), serials }];
  }
}

/** FILE for one part; with several (Duo: one per token type), FILE.t6.txt, FILE.t8.txt ... */
export function exportFilePath(out: string, part: string, parts: number): string {
  if (parts === 1 || part === "") return out;
  const ext = path.extname(out);
  return out.slice(0, out.length - ext.length) + "." + part + (ext || ".txt");
}
