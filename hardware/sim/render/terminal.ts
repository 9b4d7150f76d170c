/**
 * Draws what a display's glass shows as text: Unicode quadrant blocks, 2 x 2 pixels per
 * character, every pixel kept (a 128x64 panel becomes 32 lines of 64 characters, 66 with the
 * box-drawing frame: it fits an 80-column terminal). With `color`, lit pixels are near-white on
 * a near-black panel (ANSI 256-colour escapes, reset at the end of every line). A display that
 * is off is drawn as a dark panel, with "off" in the frame.
 */

/** What the renderers need from a display (Ssd1306 provides it). */
export interface PixelDisplay {
  readonly width: number;
  readonly height: number;
  pixel(x: number, y: number): boolean;
  isOn(): boolean;
}

export interface TerminalOptions {
  color?: boolean;
}

const LIT = "\x1b[38;5;231m"; // foreground: lit pixels
const PANEL = "\x1b[48;5;233m"; // background: the dark panel
const RESET = "\x1b[0m";

/** The quadrant block for the lit pixels: bit 0 top left, 1 top right, 2 bottom left, 3 bottom right. */
const QUADRANTS = [" ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█"];

export function renderToTerminal(display: PixelDisplay, options: TerminalOptions = {}): string {
  const { width, height } = display;
  const on = display.isOn();
  const columns = Math.ceil(width / 2);
  const lit = (x: number, y: number) => (on && x < width && y < height && display.pixel(x, y) ? 1 : 0);
  const lines: string[] = [];
  lines.push("┌" + "─".repeat(columns) + "┐");
  for (let y = 0; y < height; y += 2) {
    let row = "";
    for (let x = 0; x < width; x += 2) row += QUADRANTS[lit(x, y) | (lit(x + 1, y) << 1) | (lit(x, y + 1) << 2) | (lit(x + 1, y + 1) << 3)];
    lines.push("│" + (options.color ? PANEL + LIT + row + RESET : row) + "│");
  }
  const label = on ? "" : "┤ off ├";
  lines.push("└" + label + "─".repeat(columns - label.length) + "┘");
  return lines.join("\n");
}
