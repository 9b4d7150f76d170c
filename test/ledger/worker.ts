/**
 * A second process for the ledger tests: `node --import tsx worker.ts <command> <ledger> ...`.
 *   reserve <ledger> <rounds> <per round> <barrier dir> <name>   prints the serials it got, one a line
 *   crash-after-pending <ledger>                          records a pending token, then SIGKILLs itself
 *   crash-inside-provisioned <ledger> <serial>            SIGKILLs itself inside recordProvisioned's transaction
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openLedger } from "../../host/ledger/ledger.js";

const [command, file, ...rest] = process.argv.slice(2);
const cost = { logN: 10, r: 8, p: 1 };
const ledger = openLedger(file, { scryptCost: cost });
const mkey = new Uint8Array(32).fill(7);

if (command === "reserve") {
  const [rounds, perRound] = rest.slice(0, 2).map(Number);
  const [barrier, name] = rest.slice(2);
  // Start together with the other process: say ready, wait until both are.
  writeFileSync(path.join(barrier, name + ".ready"), "");
  while (readdirSync(barrier).filter((f) => f.endsWith(".ready")).length < 2) {
    /* spin */
  }
  const got: string[] = [];
  for (let i = 0; i < rounds; i++) {
    got.push(...ledger.reserveSerials("TS-", perRound));
    // A CLI does work between reservations: leave the other process a window to take the lock.
    const until = Date.now() + 3;
    while (Date.now() < until) {
      /* busy */
    }
  }
  process.stdout.write(got.join("\n") + "\n");
  ledger.close();
} else if (command === "crash-after-pending") {
  const batch = ledger.beginBatch("TS-", 2);
  const [serial] = ledger.reserveSerials("TS-", 1);
  ledger.recordPending(serial, batch, { label: "bob", kind: "totp", algorithm: "SHA1", digits: 6 }, { managementKey: mkey });
  // ... PROVISION went to the token here, then the host died before recordProvisioned.
  process.kill(process.pid, "SIGKILL");
} else if (command === "crash-inside-provisioned") {
  const [serial] = rest;
  ledger.recordProvisioned(serial, {
    tokenId: "chip-1",
    firmware: "1.0.0",
    managementKey: mkey,
    // Read inside the BEGIN IMMEDIATE transaction, after the state check: die there.
    get escrowedSeed(): Uint8Array {
      process.kill(process.pid, "SIGKILL");
      return new Uint8Array(20);
    },
  });
  process.stdout.write("not reached\n");
} else {
  throw new Error("unknown worker command " + command);
}
