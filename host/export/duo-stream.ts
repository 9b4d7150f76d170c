/**
 * `export duo` of a whole ledger (or batch) as a stream: rows read, seeds opened, lines checked
 * and written a page of PAGE_ROWS tokens at a time, so 100,000 tokens take about as much memory
 * as a page (the serials kept for the export record aside). One file per Duo token type, as Duo
 * imports one type at a time. Every token is still checked before anything appears: the lines go to
 * drafts (temporary files) that are put in place only when every token was fine; one bad
 * token discards them all and the error lists every bad token.
 */
import type { Ledger } from "../ledger/ledger.js";
import { DUO_TOKEN_TYPES, duoImportLine, duoTypeOfProfile, type DuoTokenType } from "./duo.js";
import { selectTokens, tokensWithSeeds } from "./from-ledger.js";
import { refuseIfAny } from "./common.js";
import { ExportError, type ExportToken } from "./types.js";
import { ExportWarnings } from "./warnings.js";

/** Where one part's text goes (a SecretFileDraft, or standard output). */
export interface ExportSink {
  /** May keep `chunk` only until the returned promise settles (the buffer is reused). */
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * A sink for a destination that cannot be taken back (standard output): everything is held
 * until commit, so a refused export writes nothing there. (Files need no such thing: a
 * SecretFileDraft is its own temporary.)
 */
export function heldUntilCommit(writeOut: (bytes: Buffer) => Promise<void>): ExportSink {
  const held: Buffer[] = [];
  return {
    write: async (chunk) => void held.push(Buffer.from(chunk)),
    commit: () => writeOut(Buffer.concat(held.splice(0))),
    discard: async () => {
      for (const chunk of held.splice(0)) chunk.fill(0);
    },
  };
}

export interface StreamedPart {
  part: DuoTokenType;
  title: string;
  serials: string[];
}

export interface StreamedDuoExport {
  parts: StreamedPart[];
  /** What does not stop the export (short secrets), one line per problem. */
  warnings: string[];
}

/**
 * Lines are copied into one buffer per part and written when it is this full. (Not a string
 * grown line by line: those lines would outlive the young generation and bloat the heap.)
 */
const CHUNK_BYTES = 1 << 16;
/** Tokens read (and seeds opened) at a time. */
const PAGE_ROWS = 128;
/** Longer than any Duo line: a 128-character serial, 160 hex digits of an 80-byte seed, ",4294967295". */
const MAX_LINE_BYTES = 512;

export async function streamDuoExport(
  ledger: Ledger,
  selection: { batchId?: number },
  openPart: (part: DuoTokenType, title: string, parts: number) => Promise<ExportSink>,
): Promise<StreamedDuoExport> {
  const profiles = ledger.provisionedProfiles(selection);
  if (profiles.length === 0) throw new ExportError("no provisioned tokens match: nothing to export");
  // A token without an escrowed seed: the slow path words the refusal (and lists the others).
  if (profiles.some((p) => p.withoutSeed > 0)) tokensWithSeeds(ledger, selectTokens(ledger, selection));
  const present = new Set(profiles.filter((p) => p.digits === 6 || p.digits === 8).map((p) => duoTypeOfProfile(p)));
  const types = DUO_TOKEN_TYPES.filter((e) => present.has(e.tokenType));

  const parts = new Map<DuoTokenType, { title: string; sink: ExportSink | null; chunk: Buffer; used: number; serials: string[] }>();
  for (const e of types) parts.set(e.tokenType, { title: e.title, sink: null, chunk: Buffer.alloc(CHUNK_BYTES + PAGE_ROWS * MAX_LINE_BYTES), used: 0, serials: [] });
  const problems: string[] = [];
  const warnings = new ExportWarnings("duo");
  const flush = async (type: DuoTokenType) => {
    const part = parts.get(type)!;
    if (part.used === 0) return;
    part.sink ??= await openPart(type, part.title, types.length);
    await part.sink.write(part.chunk.subarray(0, part.used));
    part.chunk.fill(0, 0, part.used); // it held seeds
    part.used = 0;
  };
  /** One token's line into its part's chunk, or its problems into the list. */
  const take = (token: ExportToken) => {
    try {
      const line = duoImportLine(token);
      warnings.add(token);
      if (problems.length > 0) return; // nothing more is written once the export is refused
      if (line.length > MAX_LINE_BYTES) throw new Error(`a Duo line of ${line.length} characters (at most ${MAX_LINE_BYTES} expected)`); // would not fit the chunk
      const part = parts.get(duoTypeOfProfile(token))!;
      part.used += part.chunk.write(line, part.used, "latin1"); // a Duo line is ASCII (checked)
      part.chunk[part.used++] = 0x0a;
      part.serials.push(token.serial);
    } catch (error) {
      if (!(error instanceof ExportError)) throw error;
      problems.push(...(error.problems.length > 0 ? error.problems : [error.message]));
    }
  };
  try {
    for (const page of ledger.provisionedSeedPages(selection, PAGE_ROWS)) {
      try {
        for (const row of page) take(row as ExportToken); // the same fields; a null secret (no escrow) was refused above
      } finally {
        for (const row of page) row.secret?.fill(0);
      }
      // Written between pages: a chunk has room for a whole page beyond CHUNK_BYTES.
      for (const [type, part] of parts) if (part.used >= CHUNK_BYTES) await flush(type);
    }
    refuseIfAny(problems, "Duo's hardware token import");
    for (const type of parts.keys()) await flush(type);
    for (const part of parts.values()) await part.sink?.commit();
  } catch (error) {
    for (const part of parts.values()) {
      part.chunk.fill(0);
      await part.sink?.discard();
    }
    throw error;
  }
  return {
    parts: [...parts.entries()].filter(([, p]) => p.serials.length > 0).map(([part, p]) => ({ part, title: p.title, serials: p.serials })),
    warnings: warnings.lines(),
  };
}
