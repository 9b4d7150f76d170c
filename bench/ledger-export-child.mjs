// The child of bench/ledger-export.bench.ts: `export duo` of a whole ledger as the CLI runs it,
// from the built modules (dist/node) with plain node, so the time and the peak memory are the
// shipped program's (no TypeScript loader in the process).
// Usage: node bench/ledger-export-child.mjs LEDGER OUT PASSPHRASE; prints one JSON line.
const dist = new URL("../dist/node/host/", import.meta.url);
const { openLedger } = await import(new URL("ledger/ledger.js", dist).href);
const { streamDuoExport } = await import(new URL("export/duo-stream.js", dist).href);
const { exportFilePath } = await import(new URL("export/from-ledger.js", dist).href);
const { SecretFileDraft } = await import(new URL("export/write-file.js", dist).href);

const [ledgerFile, out, passphrase] = process.argv.slice(2);
const start = performance.now();
const ledger = openLedger(ledgerFile);
ledger.unlockEscrow(passphrase);
const unlocked = performance.now();
const result = await streamDuoExport(ledger, {}, (part, _title, parts) => SecretFileDraft.start(exportFilePath(out, part, parts)));
ledger.recordExport({ format: "duo:" + result.parts[0].part, path: out, serials: result.parts[0].serials });
ledger.close();
const end = performance.now();
process.stdout.write(
  JSON.stringify({ seconds: (end - start) / 1000, unlockSeconds: (unlocked - start) / 1000, tokens: result.parts[0].serials.length, maxRssKiB: process.resourceUsage().maxRSS }) + "\n",
);
