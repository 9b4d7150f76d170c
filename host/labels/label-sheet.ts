/**
 * A printable sheet of labels for the tokens: each label carries the token's serial in large
 * type, its label, and a QR code of the serial only (for scanning at the help desk), never a
 * seed. Two common sticker sheets: Avery L7160 on A4 (3 x 7, 63.5 x 38.1 mm) and Avery 5160 on
 * US Letter (3 x 10, 2 5/8 x 1 in). PDF through pdfkit (its built-in Helvetica: no font files);
 * the QR code is drawn as vector squares from the `qrcode` library's module matrix.
 */
import QRCode from "qrcode";
import { InputError } from "../errors.js";

export type Paper = "a4" | "letter";

const MM = 72 / 25.4;
const INCH = 72;

/** A sticker sheet: the page, and where the labels are on it (PDF points, from the top left). */
export interface LabelLayout {
  name: string;
  pdfSize: "A4" | "LETTER";
  columns: number;
  rows: number;
  labelWidth: number;
  labelHeight: number;
  left: number;
  top: number;
  /** From one label's left (top) edge to the next one's. */
  pitchX: number;
  pitchY: number;
}

export const LABEL_LAYOUTS: Readonly<Record<Paper, LabelLayout>> = Object.freeze({
  a4: { name: "Avery L7160 (A4, 3 x 7)", pdfSize: "A4", columns: 3, rows: 7, labelWidth: 63.5 * MM, labelHeight: 38.1 * MM, left: 7.25 * MM, top: 15.15 * MM, pitchX: 66.04 * MM, pitchY: 38.1 * MM },
  letter: { name: "Avery 5160 (US Letter, 3 x 10)", pdfSize: "LETTER", columns: 3, rows: 10, labelWidth: 2.625 * INCH, labelHeight: 1 * INCH, left: 0.1875 * INCH, top: 0.5 * INCH, pitchX: 2.75 * INCH, pitchY: 1 * INCH },
});

export interface LabelItem {
  serial: string;
  label: string;
}

export interface LabelSheet {
  pdf: Buffer;
  pages: number;
  layout: LabelLayout;
}

/** Quiet zone around the code, in modules (ISO/IEC 18004 asks for 4). */
const QUIET_MODULES = 4;
/** Space inside each label's edge, points (printers wander a little). */
const INSET = 5;

export async function labelSheetPdf(items: readonly LabelItem[], paper: Paper = "a4"): Promise<LabelSheet> {
  const layout = LABEL_LAYOUTS[paper];
  if (!layout) throw new InputError(`paper ${JSON.stringify(paper)}: use a4 or letter`);
  if (items.length === 0) throw new InputError("no tokens to print labels for");
  // Loaded only here: pdfkit and its font engine are large, and only this command needs them.
  const { default: PDFDocument } = await import("pdfkit");
  const doc = new PDFDocument({ size: layout.pdfSize, margin: 0, autoFirstPage: false, info: { Title: "tokensmith token labels", Creator: "tokensmith" } });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", () => resolve());
    doc.on("error", reject);
  });
  const perPage = layout.columns * layout.rows;
  items.forEach((item, index) => {
    if (index % perPage === 0) doc.addPage({ size: layout.pdfSize, margin: 0 });
    const slot = index % perPage;
    const x = layout.left + (slot % layout.columns) * layout.pitchX;
    const y = layout.top + Math.floor(slot / layout.columns) * layout.pitchY;
    drawLabel(doc, item, x, y, layout);
  });
  doc.end();
  await done;
  return { pdf: Buffer.concat(chunks), pages: Math.ceil(items.length / perPage), layout };
}

function drawLabel(doc: PDFKit.PDFDocument, item: LabelItem, x: number, y: number, layout: LabelLayout): void {
  const code = QRCode.create(item.serial, { errorCorrectionLevel: "M" });
  const modules = code.modules.size;
  const side = layout.labelHeight - 2 * INSET;
  const unit = side / (modules + 2 * QUIET_MODULES);
  const codeX = x + INSET + QUIET_MODULES * unit;
  const codeY = y + INSET + QUIET_MODULES * unit;
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      if (code.modules.get(row, col)) doc.rect(codeX + col * unit, codeY + row * unit, unit, unit);
    }
  }
  doc.fill("black");
  const textX = x + INSET + side + 4;
  const textWidth = layout.labelWidth - (textX - x) - INSET;
  const serialSize = Math.min(12, layout.labelHeight / 4);
  doc.font("Helvetica-Bold").fontSize(serialSize).text(item.serial, textX, y + layout.labelHeight / 2 - serialSize, { width: textWidth, lineBreak: false, ellipsis: true });
  if (item.label) doc.font("Helvetica").fontSize(serialSize * 0.75).text(item.label, textX, y + layout.labelHeight / 2 + 2, { width: textWidth, lineBreak: false, ellipsis: true });
}
