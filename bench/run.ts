/** `npm run bench`: prints figures; asserts nothing. */
import { runCoreBenchmarks } from "./core.bench.js";
import { runFirmwareBenchmarks } from "./firmware.bench.js";

console.log(`tokensmith benchmarks  node ${process.version}  ${new Date().toISOString()}\n`);
runCoreBenchmarks();
await runFirmwareBenchmarks();
