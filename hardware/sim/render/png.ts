/**
 * Draws what a display's glass shows as a PNG: each pixel a `scale` x `scale` square, lit
 * pixels near-white on the dark blue-black of an unlit OLED panel. A display that is off is
 * all panel colour.
 */
import { writeFileSync } from "node:fs";
import { PNG } from "pngjs";
import type { PixelDisplay } from "./terminal.js";

export const PANEL_RGB = [0x06, 0x0a, 0x16] as const;
export const LIT_RGB = [0xf2, 0xf6, 0xff] as const;

export function renderToPng(display: PixelDisplay, scale = 4): Buffer {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new RangeError(`PNG scale ${scale} is not an integer from 1 to 64`);
  const png = new PNG({ width: display.width * scale, height: display.height * scale });
  const on = display.isOn();
  const stride = png.width * 4;
  for (let y = 0; y < display.height; y++) {
    for (let x = 0; x < display.width; x++) {
      const [r, g, b] = on && display.pixel(x, y) ? LIT_RGB : PANEL_RGB;
      for (let dy = 0; dy < scale; dy++) {
        let i = (y * scale + dy) * stride + x * scale * 4;
        for (let dx = 0; dx < scale; dx++) {
          png.data[i++] = r;
          png.data[i++] = g;
          png.data[i++] = b;
          png.data[i++] = 0xff;
        }
      }
    }
  }
  return PNG.sync.write(png);
}

export function writePng(file: string, display: PixelDisplay, scale = 4): void {
  writeFileSync(file, renderToPng(display, scale));
}
