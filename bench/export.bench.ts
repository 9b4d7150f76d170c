/**
 * Export figures (issue: exporters): time and memory to format 100,000 synthetic tokens as
 * Duo import text. Measured in a child process so the peak RSS is the formatter's, not that
 * of whatever ran before in the bench process. Prints only; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { duoImportSections } from "../host/export/duo.js";
import type { ExportToken } from "../host/export/types.js";
import { fmt, row } from "./measure.js";

const TOKENS = 100_000;
const CHILD_FLAG = "TOKENSMITH_EXPORT_BENCH_CHILD";

interface Figures {
  tokens: number;
  bytes: number;
  sections: number;
  seconds: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  maxRss: number;
}

/** Deterministic synthetic tokens: mostly TOTP 6-digit 30 s, some 60 s, 8-digit and HOTP. */
function syntheticTokens(count: number): ExportToken[] {
  const tokens: ExportToken[] = [];
  for (let i = 0; i < count; i++) {
    const secret = new Uint8Array(20);
    let x = (i * 2654435761) >>> 0;
    for (let j = 0; j < 20; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      secret[j] = x >>> 24;
    }
    const variant = i % 10;
    tokens.push({
      serial: `TS-${String(i).padStart(7, "0")}`,
      label: `Token ${i}`,
      kind: variant === 9 ? "hotp" : "totp",
      algorithm: "SHA1",
      digits: variant === 8 ? 8 : 6,
      period: variant === 7 ? 60 : 30,
      counter: variant === 9 ? i : 0,
      secret,
    });
  }
  return tokens;
}

function measure(): Figures {
  const tokens = syntheticTokens(TOKENS);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const start = performance.now();
  const sections = duoImportSections(tokens);
  const seconds = (performance.now() - start) / 1000;
  const after = process.memoryUsage();
  const bytes = sections.reduce((n, s) => n + Buffer.byteLength(s.text), 0);
  return {
    tokens: TOKENS,
    bytes,
    sections: sections.length,
    seconds,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

export function runExportBenchmarks(): void {
  console.log(`\nExport: ${fmt(TOKENS)} synthetic tokens to Duo import text (child process)`);
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", self], {
    env: { ...process.env, [CHILD_FLAG]: "1" },
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  const line = child.stdout?.trim().split("\n").pop();
  if (child.status !== 0 || !line) {
    row("Duo export benchmark", `failed: ${(child.stderr || String(child.error)).trim().split("\n")[0]}`);
    return;
  }
  const f = JSON.parse(line) as Figures;
  row("duoImportSections, wall time", `${fmt(f.seconds, 3)} s  (${fmt(f.tokens / f.seconds)} tokens/s)`);
  row("output", `${mib(f.bytes)} in ${f.sections} sections`);
  row("RSS before / after formatting", `${mib(f.rssBefore)} / ${mib(f.rssAfter)}`);
  row("heap used before / after formatting", `${mib(f.heapBefore)} / ${mib(f.heapAfter)}`);
  row("peak RSS of the process (tokens + output)", mib(f.maxRss));
}

if (process.env[CHILD_FLAG] === "1" && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(measure()));
}
