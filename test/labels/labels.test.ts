/**
 * `tokensmith labels`: the PDF rendered to PNG by poppler's pdftoppm (an independent renderer),
 * every QR code on each page read back by zxing: each holds one selected serial, sits inside the
 * sticker the layout puts it on, and nothing on the sheet (QR codes or text, by pdftotext) is a
 * seed. Required under CI (poppler-utils); skipped, saying so, elsewhere without it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { LABEL_LAYOUTS, labelSheetPdf, type Paper } from "../../host/labels/label-sheet.js";
import { openLedger } from "../../host/ledger/ledger.js";
import { runCli } from "../cli/support.js";

const havePoppler = spawnSync("pdftoppm", ["-v"]).error === undefined;
if (!havePoppler && process.env.CI === "true") throw new Error("pdftoppm (Debian: poppler-utils) is required under CI");
if (!havePoppler) console.warn("test/labels: pdftoppm not installed (poppler-utils): the label sheet tests are skipped");

const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-labels-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DPI = 200;

interface Found {
  text: string;
  x: number;
  y: number;
}

/** Every QR code on each page of the PDF, with its centre in PDF points from the top left. */
async function codesOnPages(pdfFile: string): Promise<Found[][]> {
  const prefix = path.join(dir, path.basename(pdfFile, ".pdf"));
  execFileSync("pdftoppm", ["-r", String(DPI), "-png", pdfFile, prefix]);
  const { prepareZXingModule, readBarcodes } = await import("zxing-wasm/reader");
  prepareZXingModule({ overrides: { wasmBinary: readFileSync(createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm")).buffer as ArrayBuffer } });
  const pages = readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix) + "-") && f.endsWith(".png")).sort();
  const result: Found[][] = [];
  for (const page of pages) {
    const found = await readBarcodes(new Uint8Array(readFileSync(path.join(dir, page))), { formats: ["QRCode"], maxNumberOfSymbols: 64, tryHarder: true });
    result.push(
      found.filter((r) => r.isValid).map((r) => {
        const p = r.position;
        const cx = (p.topLeft.x + p.topRight.x + p.bottomLeft.x + p.bottomRight.x) / 4;
        const cy = (p.topLeft.y + p.topRight.y + p.bottomLeft.y + p.bottomRight.y) / 4;
        return { text: r.text, x: (cx * 72) / DPI, y: (cy * 72) / DPI };
      }),
    );
  }
  return result;
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ serial: `TS-${String(i + 1).padStart(6, "0")}`, label: i % 2 ? "Help desk" : "Shared admin" }));

describe.skipIf(!havePoppler)("the label sheet", () => {
  for (const [paper, count, pages] of [["a4", 25, 2], ["letter", 31, 2]] as Array<[Paper, number, number]>) {
    it(`${paper}: ${count} labels on ${pages} pages, each QR code the serial of the sticker it sits on`, async () => {
      const layout = LABEL_LAYOUTS[paper];
      const sheet = await labelSheetPdf(items(count), paper);
      expect(sheet.pages).toBe(pages);
      const file = path.join(dir, `${paper}.pdf`);
      writeFileSync(file, sheet.pdf);
      const found = await codesOnPages(file);
      expect(found).toHaveLength(pages);
      const perPage = layout.columns * layout.rows;
      const all = found.flatMap((codes, page) =>
        codes.map((code) => {
          const index = items(count).findIndex((item) => item.serial === code.text);
          expect(index, `${code.text} is one of the serials`).toBeGreaterThanOrEqual(0);
          const slot = index - page * perPage;
          expect(slot >= 0 && slot < perPage, `${code.text} is on page ${page + 1}`).toBe(true);
          const left = layout.left + (slot % layout.columns) * layout.pitchX;
          const top = layout.top + Math.floor(slot / layout.columns) * layout.pitchY;
          expect(code.x, `${code.text} within its sticker horizontally`).toBeGreaterThan(left);
          expect(code.x).toBeLessThan(left + layout.labelWidth / 2);
          expect(code.y, `${code.text} within its sticker vertically`).toBeGreaterThan(top);
          expect(code.y).toBeLessThan(top + layout.labelHeight);
          return code.text;
        }),
      );
      expect(all.sort()).toEqual(items(count).map((i) => i.serial));
      const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
      for (const item of items(count)) expect(text).toContain(item.serial);
      expect(text).toContain("Shared admin");
    });
  }

  it("through the CLI: the ledger's tokens of a batch, no seed anywhere on the sheet, an existing file refused", async () => {
    const home = mkdtempSync(path.join(dir, "home-"));
    const ledgerFile = path.join(home, "ledger.sqlite");
    const ledger = openLedger(ledgerFile);
    ledger.unlockEscrow("labels test passphrase");
    const batch = ledger.beginBatch("LB-", 3);
    const seeds: string[] = [];
    for (const serial of ledger.reserveSerials("LB-", 3)) {
      const seed = new Uint8Array(randomBytes(20));
      seeds.push(Buffer.from(seed).toString("hex"), Buffer.from(seed).toString("base64"));
      ledger.recordPending(serial, batch, { label: "Front desk", kind: "totp", algorithm: "SHA1", digits: 6, period: 30 }, { managementKey: new Uint8Array(16) });
      ledger.recordProvisioned(serial, { tokenId: serial, firmware: "t", managementKey: new Uint8Array(16), escrowedSeed: seed });
    }
    ledger.close();
    const out = path.join(home, "labels.pdf");
    const run = await runCli(["labels", "--ledger", ledgerFile, "--batch", String(batch), "--paper", "letter", "--out", out], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3 labels on 1 page \(Avery 5160 \(US Letter, 3 x 10\)\) -> .*labels\.pdf/);
    const codes = (await codesOnPages(out)).flat().map((c) => c.text).sort();
    expect(codes).toEqual(["LB-000001", "LB-000002", "LB-000003"]);
    const text = execFileSync("pdftotext", [out, "-"], { encoding: "utf8" });
    const raw = readFileSync(out, "latin1");
    for (const seed of seeds) {
      expect(text).not.toContain(seed);
      expect(raw).not.toContain(seed);
    }
    expect(statSync(out).size).toBeGreaterThan(0);
    const again = await runCli(["labels", "--ledger", ledgerFile, "--out", out], { home });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  }, 60_000);
});
