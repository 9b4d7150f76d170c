#!/usr/bin/env node
// Entry point: runs the built CLI (npm run build makes dist/node).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const built = fileURLToPath(new URL("../dist/node/host/cli/main.js", import.meta.url));
if (!existsSync(built)) {
  console.error("tokensmith is not built yet: run `npm run build` (or `npm start`) first.");
  process.exit(1);
}
const { main } = await import(pathToFileURL(built).href);
await main(process.argv);
