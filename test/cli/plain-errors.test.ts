/**
 * Paths that used to end in a stack trace now end in a sentence and the documented exit code
 * (issue: "stack traces instead of sentences"): a damaged ledger, a broken %-escape in an
 * otpauth URI, a device that answers HELLO with a profile count no token has, and a home
 * folder the user cannot write.
 */
import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { addField, decodeFrame, encodeFrame, newFrame } from "../../shared/protocol/frame.js";
import { cleanupHomes, newHome, runCli } from "./support.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { NOBODY, nobodyCannotRun } from "../nobody.js";

afterAll(() => cleanupHomes());

const crc32 = (text: string) => zlib.crc32(Buffer.from(text, "latin1")) | 0;

function expectSentence(stderr: string): void {
  expect(stderr.startsWith("tokensmith: "), stderr).toBe(true);
  expect(stderr).not.toMatch(/unexpected error|\n\s+at /);
}

describe("a sentence, not a stack trace", () => {
  it("a damaged ledger: exit 4, says restore from backup, and the file is left as it was", async () => {
    const home = newHome("damaged");
    const ledger = path.join(home, "ledger.sqlite");
    openLedger(ledger).close();
    const bytes = readFileSync(ledger);
    bytes.fill(0, 4096 * 5, Math.min(bytes.length, 4096 * 9)); // the tokens table's pages
    writeFileSync(ledger, bytes);
    const run = await runCli(["ledger", "list", "--ledger", ledger], { home });
    expectSentence(run.stderr);
    expect(run.stderr).toMatch(/is damaged \(SQLite: database disk image is malformed\)/);
    expect(run.stderr).toMatch(/Restore it from your backup/);
    expect(run.code).toBe(4);
    expect(readFileSync(ledger).equals(bytes)).toBe(true);
  });

  it("an otpauth URI with a broken %-escape: exit 2", async () => {
    const run = await runCli(["code", "--otpauth", "otpauth://totp/Mail%ZZbox?secret=JBSWY3DPEHPK3PXP"], { home: newHome("uri") });
    expectSentence(run.stderr);
    expect(run.stderr).toMatch(/broken %-escape/);
    expect(run.code).toBe(2);
  });

  it("a device answering HELLO with profiles=4294967296: exit 1, asks whether it is a tokensmith token", async () => {
    const server = net.createServer((socket) => {
      let buffered = "";
      socket.on("data", (chunk) => {
        buffered += chunk.toString("latin1");
        for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
          const line = buffered.slice(0, at);
          buffered = buffered.slice(at + 1);
          const request = decodeFrame(line, crc32);
          if (request.frame === null) continue;
          const answer = newFrame(false, request.frame.seq, "OK");
          for (const [key, value] of [["model", "tokensmith-esp32"], ["firmware", "0.1.0"], ["protocol", "2"], ["serial", ""], ["id", "246f28000001"], ["state", "unprovisioned"], ["profiles", "4294967296"], ["time", "1800000000"], ["clock", "ok"], ["hash", "native"]]) {
            addField(answer, key, value);
          }
          socket.write(encodeFrame(answer, crc32) + "\n");
        }
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const run = await runCli(["info", "--port", `tcp://127.0.0.1:${port}`], { home: newHome("liar") });
      expectSentence(run.stderr);
      expect(run.stderr).toMatch(/answered HELLO with profiles="4294967296", which no tokensmith token says \(0 to 8\)/);
      expect(run.code).toBe(1);
    } finally {
      server.close();
    }
  });

  const nobodyBlocked = nobodyCannotRun();
  it.skipIf(process.getuid?.() !== 0 || nobodyBlocked !== "")(
    `a home folder the user cannot write: exit 2, says which folder and what to do${nobodyBlocked ? ` (SKIPPED: ${nobodyBlocked})` : process.getuid?.() !== 0 ? " (SKIPPED: needs root to run a child as nobody)" : ""}`,
    async () => {
      const home = newHome("readonly");
      const data = path.join(home, "data");
      mkdirSync(data);
      chmodSync(home, 0o755);
      chmodSync(data, 0o555); // nobody may look, not write
      // info on the simulated token prints, then keeps the token's flash in the data folder.
      const run = await runCli(["info", "--port", "sim"], { home, env: { TOKENSMITH_HOME: path.join(data, "tokensmith") }, ...NOBODY });
      expectSentence(run.stderr);
      expect(run.stderr).toMatch(/cannot use .*data\/tokensmith.*: permission denied/);
      expect(run.stderr).toMatch(/TOKENSMITH_HOME/);
      expect(run.code).toBe(2);
    },
  );
});
