/** Each simulated token is its own board: its own chip id, kept with its flash file. */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SimulatedToken } from "../../hardware/sim/token.js";
import { listenUart } from "../../hardware/sim/uart-server.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { cleanupHomes, helloOf, newHome, runCli } from "../cli/support.js";

afterAll(cleanupHomes);

describe("simulated chip ids", () => {
  it("two tokens are two chips; a token kept in a flash file keeps its chip id; a given one is used", async () => {
    const a = new SimulatedToken();
    const b = new SimulatedToken();
    a.powerOn();
    b.powerOn();
    const [ida, idb] = [(await helloOf(a)).id, (await helloOf(b)).id];
    expect(ida).toMatch(/^[0-9a-f]{12}$/);
    expect(ida).not.toBe(idb);

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tokensmith-chip-")), "flash.json");
    const first = new SimulatedToken({ flashFile: file });
    first.powerOn();
    const id = (await helloOf(first)).id;
    first.flash.save();
    const again = new SimulatedToken({ flashFile: file });
    again.powerOn();
    expect((await helloOf(again)).id).toBe(id);

    const named = new SimulatedToken({ deviceId: "246f28a1b2c3" });
    named.powerOn();
    expect((await helloOf(named)).id).toBe("246f28a1b2c3");
  });

  it("the README's walk-through: a TCP-simulated token and `--port sim` join one ledger", async () => {
    const home = newHome("two-sims");
    const tcpToken = new SimulatedToken();
    tcpToken.powerOn();
    const server = await listenUart(tcpToken, "127.0.0.1", 0);
    try {
      const viaTcp = await runCli(["provision", "--port", `tcp://127.0.0.1:${server.port}`, "--prefix", "TS-", "--out", path.join(home, "duo.txt")], { home });
      expect(viaTcp.code, viaTcp.stderr).toBe(0);
      const viaSim = await runCli(["provision", "--port", "sim", "--prefix", "TS-", "--out", path.join(home, "duo.txt")], { home });
      expect(viaSim.code, viaSim.stderr).toBe(0);
    } finally {
      await server.close();
    }
    const ledger = openLedger(path.join(home, "ledger.sqlite"));
    try {
      const tokens = ledger.listTokens({ state: "provisioned" });
      expect(tokens.map((t) => t.serial)).toEqual(["TS-000001", "TS-000002"]);
      expect(new Set(tokens.map((t) => t.tokenId)).size).toBe(2);
    } finally {
      ledger.close();
    }
  });

  it("sim --chip-id refuses what is not 12 lowercase hex digits", async () => {
    const run = await runCli(["sim", "--chip-id", "XYZ", "--listen", "127.0.0.1:0"], { home: newHome("chip-arg") });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--chip-id must be 12 lowercase hex digits/);
  });
});
