/** `npm run bench`: prints figures; asserts nothing. */
import { runCoreBenchmarks } from "./core.bench.js";
import { runFirmwareBenchmarks } from "./firmware.bench.js";
import { runDeviceBenchmarks } from "./device.bench.js";
import { runProvisionBenchmarks } from "./provision.bench.js";
import { runExportBenchmarks } from "./export.bench.js";
import { runLedgerExportBenchmark } from "./ledger-export.bench.js";
import { runInstallBenchmarks } from "./install.bench.js";
import { runPushBenchmarks } from "./push.bench.js";

console.log(`tokensmith benchmarks  node ${process.version}  ${new Date().toISOString()}\n`);
runCoreBenchmarks();
await runFirmwareBenchmarks();
await runDeviceBenchmarks();
await runProvisionBenchmarks();
await runInstallBenchmarks();
runExportBenchmarks();
await runPushBenchmarks(Number(process.env.TOKENSMITH_BENCH_PUSH_TOKENS ?? 200));
await runLedgerExportBenchmark(Number(process.env.TOKENSMITH_BENCH_LEDGER_TOKENS ?? 100_000));
