/**
 * QR code images as administrators get them, made here: a code drawn from the `qrcode`
 * library's module matrix at some scale, optionally blurred, saved as PNG (pngjs) or JPEG
 * (jpeg-js, at a low quality), alone or inside a larger "screenshot" with other content.
 */
import { writeFileSync } from "node:fs";
import QRCode from "qrcode";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";

export interface QrImageOptions {
  /** Pixels per module (default 4). */
  scale?: number;
  /** Box-blur radius in pixels (default 0). */
  blur?: number;
  /** Place the code at this offset in a screenshot of this size, among other content. */
  screenshot?: { width: number; height: number; x: number; y: number };
  format?: "png" | "jpeg";
  /** JPEG quality, 1 to 100 (default 40). */
  quality?: number;
}

/** Grey levels, 0 black .. 255 white. */
interface Grey {
  width: number;
  height: number;
  pixels: Uint8Array;
}

function drawCode(text: string, scale: number): Grey {
  const code = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size = code.modules.size;
  const margin = 4;
  const width = (size + 2 * margin) * scale;
  const pixels = new Uint8Array(width * width).fill(255);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!code.modules.get(row, col)) continue;
      for (let y = 0; y < scale; y++) pixels.fill(0, ((row + margin) * scale + y) * width + (col + margin) * scale, ((row + margin) * scale + y) * width + (col + margin + 1) * scale);
    }
  }
  return { width, height: width, pixels };
}

function boxBlur(image: Grey, radius: number): Grey {
  if (radius <= 0) return image;
  const { width, height } = image;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          sum += image.pixels[yy * width + xx];
          n++;
        }
      }
      out[y * width + x] = Math.round(sum / n);
    }
  }
  return { width, height, pixels: out };
}

/** A page-like background: a header bar, lines of "text", a button, then the code pasted in. */
function screenshotAround(code: Grey, shot: NonNullable<QrImageOptions["screenshot"]>): Grey {
  const { width, height } = shot;
  const pixels = new Uint8Array(width * height).fill(245);
  const rect = (x0: number, y0: number, w: number, h: number, level: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) pixels.fill(level, y * width + Math.max(0, x0), y * width + Math.min(width, x0 + w));
  };
  rect(0, 0, width, 48, 40);
  for (let line = 0; line < 12; line++) rect(32, 80 + line * 22, 200 + ((line * 97) % 300), 10, 90);
  rect(32, height - 90, 160, 40, 60);
  for (let y = 0; y < code.height; y++) pixels.set(code.pixels.subarray(y * code.width, (y + 1) * code.width), (shot.y + y) * width + shot.x);
  return { width, height, pixels };
}

function rgba(image: Grey): Buffer {
  const data = Buffer.alloc(image.width * image.height * 4);
  for (let i = 0; i < image.pixels.length; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = image.pixels[i];
    data[i * 4 + 3] = 255;
  }
  return data;
}

/** Writes an image of `text`'s QR code to `file`. */
export function writeQrImage(file: string, text: string, options: QrImageOptions = {}): void {
  let image = boxBlur(drawCode(text, options.scale ?? 4), options.blur ?? 0);
  if (options.screenshot) image = screenshotAround(image, options.screenshot);
  const data = rgba(image);
  if (options.format === "jpeg") {
    writeFileSync(file, jpeg.encode({ data, width: image.width, height: image.height }, options.quality ?? 40).data);
  } else {
    const png = new PNG({ width: image.width, height: image.height });
    data.copy(png.data);
    writeFileSync(file, PNG.sync.write(png));
  }
}

/** A page-like PNG with no QR code on it. */
export function writePageWithoutCode(file: string, width = 640, height = 400): void {
  const blank: Grey = { width: 0, height: 0, pixels: new Uint8Array(0) };
  const png = new PNG({ width, height });
  rgba(screenshotAround(blank, { width, height, x: 0, y: 0 })).copy(png.data);
  writeFileSync(file, PNG.sync.write(png));
}
