/**
 * `tokensmith batch` as a child process against a token rack (rack.ts) on one TCP port, with
 * faults injected: the cable pulled k bytes into a PROVISION frame, bytes flipped in either
 * direction, and the process SIGKILLed between tokens and mid-token, then `--resume`d.
 *
 * After every scenario the books must agree with the tokens: every provisioned serial has
 * exactly one import line; every line belongs to a provisioned serial (or, only while the batch
 * is unfinished, to a pending one whose chip holds that seed); no serial twice, none reused;
 * each line's secret gives (otplib) the code its token shows on its display; and once resumed,
 * the batch is complete with exactly the planned count, the interrupted chip finished under its
 * original serial.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { openLedger, type TokenRecord } from "../../host/ledger/ledger.js";
import type { BatchEvent, BatchOutcome } from "../../host/provision/job.js";
import { TokenRack, byteFlipper, verbOf } from "./rack.js";
import { cleanupHomes, finished, helloOf, holdLedgerWriteLock, newHome, oracle, readDuoFile, runCli, shownCode, spawnCli, waitFor } from "./support.js";

const COUNT = 3;

interface Bench {
  home: string;
  out: string;
  ledgerPath: string;
  rack: TokenRack;
}

const racks: TokenRack[] = [];
afterEach(async () => {
  for (const rack of racks.splice(0)) await rack.close();
});
afterAll(() => cleanupHomes());

/** A rack of `tokens` (the planned count plus a spare that must stay untouched). */
async function bench(tokens = COUNT + 1): Promise<Bench> {
  const home = newHome("batch");
  const ledgerPath = path.join(home, "ledger.sqlite");
  const rack = new TokenRack(tokens, { ledgerPath });
  racks.push(rack);
  await rack.listen();
  return { home, out: path.join(home, "duo-t6.csv"), ledgerPath, rack };
}

const batchArgs = (b: Bench, ...more: string[]) => ["batch", "--port", b.rack.address, "--out", b.out, "--wait", "8", ...more];

type JsonOutcome = BatchOutcome & { events: BatchEvent[] };

function parseOutcome(stdout: string): JsonOutcome {
  return JSON.parse(stdout) as JsonOutcome;
}

function unfinishedBatch(b: Bench): number {
  const ledger = openLedger(b.ledgerPath);
  try {
    const open = ledger.unfinishedBatches();
    expect(open, "one unfinished batch").toHaveLength(1);
    return open[0].id;
  } finally {
    ledger.close();
  }
}

function pendingRows(b: Bench): TokenRecord[] {
  const ledger = openLedger(b.ledgerPath);
  try {
    return ledger.listTokens({ state: "pending" });
  } finally {
    ledger.close();
  }
}

/** The consistency every scenario ends in (see the header). */
async function assertConsistent(b: Bench, batchId: number, state: "finished" | "unfinished", planned = COUNT): Promise<void> {
  b.rack.disconnect();
  const lines = readDuoFile(b.out);
  const ledger = openLedger(b.ledgerPath);
  try {
    const all = ledger.listTokens();
    const rows = all.filter((r) => r.batchId === batchId);
    const serials = lines.map((l) => l.serial);
    expect(new Set(serials).size, `no serial twice in the import file: ${serials}`).toBe(serials.length);
    for (const row of rows.filter((r) => r.state === "provisioned")) {
      expect(serials.filter((s) => s === row.serial), `${row.serial} has exactly one line`).toHaveLength(1);
    }
    for (const line of lines) {
      const row = all.find((r) => r.serial === line.serial);
      expect(row, `the line for ${line.serial} belongs to a serial in the ledger`).toBeDefined();
      if (row!.state !== "provisioned") {
        expect(row!.state, `the line for ${line.serial}`).toBe("pending");
        expect(state, `a line for the pending ${line.serial} only while the batch is unfinished`).toBe("unfinished");
      }
      const token = b.rack.tokenWithChip(row!.tokenId);
      expect(token, `the chip ${row!.tokenId} of ${line.serial} is in the rack`).toBeDefined();
      expect((await helloOf(token!)).serial, `chip ${row!.tokenId} holds ${line.serial}`).toBe(line.serial);
      // The line's type (Duo: ",60" for 60 s) is the ledger's, and so is the code's.
      expect(line.third, `the period in ${line.serial}'s line`).toBe(row!.period === 60 ? "60" : undefined);
      const shown = shownCode(token!, row!.period);
      expect(shown.code, `the code ${line.serial} shows`).toBe(oracle(line.secret, shown.time, row!));
    }
    // No serial reused: each chip holds one serial, distinct across tokens, and the ledger has
    // that serial for that chip (one live row per chip).
    const live = all.filter((r) => r.state !== "wiped").map((r) => r.tokenId);
    expect(new Set(live).size, "one live ledger row per chip").toBe(live.length);
    const held: string[] = [];
    for (const [index, token] of b.rack.tokens.entries()) {
      const hello = await helloOf(token);
      if (hello.serial === "") continue;
      held.push(hello.serial);
      expect(ledger.getToken(hello.serial)?.tokenId, `${hello.serial} is recorded for chip ${b.rack.chipOf(index)}`).toBe(b.rack.chipOf(index));
    }
    expect(new Set(held).size, `serials the tokens hold: ${held}`).toBe(held.length);
    const summary = ledger.batchSummary(batchId);
    if (state === "finished") {
      expect(summary).toMatchObject({ planned, provisioned: planned, pending: 0 });
      expect(summary.finishedAt).not.toBeNull();
      expect(lines).toHaveLength(planned);
      expect(held).toHaveLength(planned);
      // The spare never got a frame that changes anything.
      const spare = b.rack.tokens.length - 1;
      expect(b.rack.received[spare].filter((l) => ["TIME_SET", "PROVISION", "WIPE"].includes(verbOf(l)))).toEqual([]);
      expect((await helloOf(b.rack.tokens[spare])).state).toBe("unprovisioned");
    } else {
      expect(summary.provisioned).toBeLessThan(planned);
      expect(summary.finishedAt).toBeNull();
    }
  } finally {
    ledger.close();
  }
}

describe("batch with the cable pulled during PROVISION", () => {
  it("k = 1, 40, all but the newline (and the power with it), the whole frame: each token finished under its first serial", async () => {
    const b = await bench(5);
    const cuts = [
      { verb: "PROVISION", token: 0, afterBytes: 1 },
      { verb: "PROVISION", token: 1, afterBytes: 40 },
      { verb: "PROVISION", token: 2, afterBytes: -1, powerCycle: true },
      { verb: "PROVISION", token: 3, afterBytes: Number.MAX_SAFE_INTEGER }, // the token acts; its answer is lost
    ];
    b.rack.pulls.push(...cuts);
    const run = await runCli(batchArgs(b, "--count", "4", "--prefix", "PULL-", "--json"), { home: b.home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const outcome = parseOutcome(run.stdout);
    expect(outcome).toMatchObject({ planned: 4, provisioned: 4, pending: [], failures: 4, interrupted: false });
    expect(b.rack.pulls, "every cut was made").toEqual([]);
    for (let i = 0; i < 4; i++) {
      const serial = `PULL-00000${i + 1}`;
      const failed = outcome.events.filter((e) => e.type === "failed");
      expect(failed[i], `the cut on token ${i} failed ${serial}`).toMatchObject({ serial });
      expect(outcome.events, `${serial} finished on a reconnect`).toContainEqual(expect.objectContaining({ type: "provisioned", serial, resumed: true }));
      const cut = b.rack.cuts.find((c) => c.token === i)!;
      const delivered = [1, 40, cut.frameBytes - 1, cut.frameBytes][i];
      expect(cut.delivered, `token ${i} got ${delivered} bytes of the PROVISION frame`).toBe(delivered);
      expect(cut.frameBytes).toBeGreaterThan(100);
      const whole = b.rack.requests(i, "PROVISION").filter((l) => l.endsWith("\n"));
      if (i < 3) {
        expect(whole, "then one whole PROVISION, unauthorised: the cut one never landed").toHaveLength(1);
        expect(whole[0]).not.toContain(" auth=");
      } else {
        expect(whole, "the cut PROVISION landed, so the retry is authorised with the pending key").toHaveLength(2);
        expect(whole[0]).not.toContain(" auth=");
        expect(whole[1]).toContain(" auth=");
      }
      expect((await helloOf(b.rack.tokens[i])).serial).toBe(serial);
    }
    expect(readDuoFile(b.out).map((l) => l.serial)).toEqual(["PULL-000001", "PULL-000002", "PULL-000003", "PULL-000004"]);
    await assertConsistent(b, outcome.batchId, "finished", 4);
  });
});

describe("batch over a line that flips bytes", () => {
  it("the CRC catches every flipped byte, in both directions, and retries finish the batch", async () => {
    const b = await bench();
    const { garbler, log } = byteFlipper(20261122, 0.3, 2, 4);
    b.rack.garbler = garbler;
    const run = await runCli(batchArgs(b, "--count", String(COUNT), "--prefix", "FLIP-", "--json"), { home: b.home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const outcome = parseOutcome(run.stdout);
    expect(outcome).toMatchObject({ planned: COUNT, provisioned: COUNT, pending: [], interrupted: false });
    expect(log.toToken, "bytes flipped on the way to the tokens").toBeGreaterThanOrEqual(1);
    expect(log.toHost, "bytes flipped on the way to the host").toBeGreaterThanOrEqual(1);
    const wire = b.rack.tokens.flatMap((t) => t.uartLog).join("");
    // Each flip to a token was refused as a bad frame; the host resent the same frame.
    expect(wire.match(/^<0 ERR code=bad_frame /gm)?.length ?? 0).toBe(log.toToken);
    const resent = b.rack.received.flatMap((lines) => lines.filter((l, i) => verbOf(l) !== "" && lines.indexOf(l) !== i));
    expect(resent.length, "frames sent again, the same bytes, after a garbled answer").toBeGreaterThanOrEqual(log.toHost);
    await assertConsistent(b, outcome.batchId, "finished");
  });
});

interface KillPoint {
  name: string;
  /** Profile options for the first run (the resume is given none). */
  profile?: string[];
  /** Whether the interrupted chip is pending, and whether its import line was already written. */
  interrupted: "none" | "pending" | "pending with its line";
  /** Arms the rack to kill `child()` at the point; returns what to do once it is dead. */
  arm(b: Bench, kill: () => void): { afterKill?: () => void; waitBeforeKill?: () => Promise<void> };
}

const killPoints: KillPoint[] = [
  {
    name: "after 1 token (as it connects to the second)",
    interrupted: "none",
    arm: (b, kill) => {
      b.rack.onConnect = (token) => (token === 1 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "after 2 tokens",
    interrupted: "none",
    arm: (b, kill) => {
      b.rack.onConnect = (token) => (token === 2 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "mid-token: the clock set, before PROVISION",
    interrupted: "pending",
    arm: (b, kill) => {
      b.rack.onRequest = (_line, verb, token) => (verb === "TIME_SET" && token === 1 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "mid-token: as the token receives PROVISION",
    interrupted: "pending",
    arm: (b, kill) => {
      b.rack.onRequest = (_line, verb, token) => (verb === "PROVISION" && token === 1 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "mid-token: as the token receives VERIFY",
    interrupted: "pending",
    arm: (b, kill) => {
      b.rack.onRequest = (_line, verb, token) => (verb === "VERIFY" && token === 0 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "mid-token: as the token receives PROVISION, an 8-digit 60 s batch resumed without its profile options",
    interrupted: "pending",
    profile: ["--digits", "8", "--period", "60", "--label", "Eight"],
    arm: (b, kill) => {
      b.rack.onRequest = (_line, verb, token) => (verb === "PROVISION" && token === 1 ? (kill(), "freeze") : "pass");
      return {};
    },
  },
  {
    name: "between the import line and the ledger",
    interrupted: "pending with its line",
    arm: (b, kill) => {
      // Hold the ledger's write lock as the VERIFY answer goes out: the CLI appends the line,
      // then waits for the lock to record the token; it is killed there.
      let release: (() => void) | null = null;
      b.rack.onAnswer = (_line, verb, token) => {
        if (verb === "VERIFY" && token === 1 && release === null) release = holdLedgerWriteLock(b.ledgerPath);
        return "pass";
      };
      return {
        waitBeforeKill: async () => {
          await waitFor(() => readDuoFile(b.out).length === 2, "the second import line");
          kill();
        },
        afterKill: () => release?.(),
      };
    },
  },
];

describe("batch killed (SIGKILL), then --resume", () => {
  for (const point of killPoints) it(point.name, async () => {
    const b = await bench();
    let child: ChildProcessWithoutNullStreams | null = null;
    const kill = () => child?.kill("SIGKILL");
    const armed = point.arm(b, kill);
    child = spawnCli(batchArgs(b, "--count", String(COUNT), "--prefix", "KILL-", ...(point.profile ?? [])), { home: b.home });
    const first = finished(child);
    if (armed.waitBeforeKill) await armed.waitBeforeKill();
    const killed = await first;
    armed.afterKill?.();
    expect(killed.signal, `killed, not finished: ${killed.stdout}${killed.stderr}`).toBe("SIGKILL");
    b.rack.onConnect = b.rack.onRequest = b.rack.onAnswer = null;

    const batchId = unfinishedBatch(b);
    await assertConsistent(b, batchId, "unfinished");
    const interrupted = pendingRows(b);
    expect(interrupted, "the interrupted chip is pending").toHaveLength(point.interrupted === "none" ? 0 : 1);
    const linesBefore = readDuoFile(b.out);
    for (const row of interrupted) {
      expect(linesBefore.some((l) => l.serial === row.serial), `${row.serial}'s line written before the kill`).toBe(point.interrupted === "pending with its line");
    }

    // --resume needs only the batch: its port and import file are remembered from the first run.
    const resumed = await runCli(["batch", "--resume", String(batchId), "--wait", "8", "--json"], { home: b.home });
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    const outcome = parseOutcome(resumed.stdout);
    expect(outcome).toMatchObject({ batchId, planned: COUNT, provisioned: COUNT, pending: [], failures: 0, interrupted: false });
    for (const row of interrupted) {
      expect(outcome.events, `${row.serial} resumed`).toContainEqual(expect.objectContaining({ type: "provisioned", serial: row.serial, resumed: true }));
      const ledger = openLedger(b.ledgerPath);
      expect(ledger.getToken(row.serial), "the interrupted chip keeps its serial").toMatchObject({ state: "provisioned", tokenId: row.tokenId });
      ledger.close();
    }
    // Lines written before the kill are kept as they were (a resumed token keeps its seed).
    const linesAfter = readDuoFile(b.out);
    expect(linesAfter.slice(0, linesBefore.length)).toEqual(linesBefore);
    await assertConsistent(b, batchId, "finished");
    // Serials were handed out in order, none twice, none skipped back to.
    expect(linesAfter.map((l) => l.serial).sort()).toEqual(["KILL-000001", "KILL-000002", "KILL-000003"]);
    // One token type for the whole batch: the first run's, also for what the resume provisioned.
    const ledger = openLedger(b.ledgerPath);
    const types = new Set(ledger.listTokens({ batchId }).map((t) => `${t.label} ${t.digits} ${t.period}`));
    ledger.close();
    expect([...types]).toEqual([point.profile ? "Eight 8 60" : "tokensmith 6 30"]);
    const provisions = b.rack.received.flat().filter((l) => verbOf(l) === "PROVISION");
    for (const frame of provisions) expect(frame).toContain(point.profile ? " p1_label=Eight p1_kind=totp p1_alg=SHA1 p1_digits=8 p1_period=60 " : " p1_digits=6 p1_period=30 ");
  });
});

describe("a batch stopped part-way: the whole resume command, or --abandon", () => {
  it("prints `batch --resume ID` with nothing left out; a new batch of the prefix is refused until the batch is abandoned; an abandoned batch cannot be resumed", async () => {
    const b = await bench(1); // one token for a batch of three: it stops waiting for the second
    const env = { TOKENSMITH_ESCROW_PASSPHRASE: "a passphrase for the batch" };
    const first = await runCli(["batch", "--port", b.rack.address, "--out", b.out, "--escrow", "--wait", "1", "--count", "3", "--prefix", "AB-"], { home: b.home, env });
    expect(first.code, first.stderr).toBe(1);
    const batchId = unfinishedBatch(b);
    expect(first.stdout).toMatch(new RegExp(`^to finish: tokensmith batch --resume ${batchId}$`, "m"));
    const ledger = openLedger(b.ledgerPath);
    expect(ledger.batchSummary(batchId).options).toEqual({ out: b.out, format: "duo", escrow: true, port: b.rack.address });
    ledger.close();

    const again = await runCli(["batch", "--port", b.rack.address, "--out", path.join(b.home, "other.csv"), "--count", "2", "--prefix", "AB-"], { home: b.home, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`batch ${batchId} \\(AB-\\) is unfinished: 1 of 3 done; finish it with tokensmith batch --resume ${batchId}, or give it up with tokensmith batch --abandon ${batchId}`));

    const clash = await runCli(["batch", "--abandon", String(batchId), "--resume", String(batchId)], { home: b.home });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--abandon stands alone: leave out --resume/);

    const abandoned = await runCli(["batch", "--abandon", String(batchId)], { home: b.home });
    expect(abandoned.code, abandoned.stderr).toBe(0);
    expect(abandoned.stdout).toMatch(new RegExp(`^batch ${batchId} \\(AB-\\) abandoned: 1 of 3 provisioned`, "m"));
    expect(pendingRows(b)).toEqual([]);
    const check = openLedger(b.ledgerPath);
    expect(check.unfinishedBatches()).toEqual([]);
    expect(check.getToken("AB-000001")).toMatchObject({ state: "provisioned" }); // what was done stays done
    check.close();

    const resumed = await runCli(["batch", "--resume", String(batchId)], { home: b.home, env });
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(new RegExp(`batch ${batchId} is not an unfinished batch .*: it was abandoned \\(\\d{4}-`));
    const twice = await runCli(["batch", "--abandon", String(batchId)], { home: b.home });
    expect(twice.code).toBe(4);
    expect(twice.stderr).toMatch(/already abandoned: there is nothing to abandon/);
  });
});
