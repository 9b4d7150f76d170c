/**
 * Draws what a display's glass shows as text: Unicode half blocks, two pixel rows per character
 * line (a 128x64 panel becomes 32 lines of 128 characters), inside a box-drawing frame. With
 * `color`, lit pixels are near-white on a near-black panel (ANSI 256-colour escapes, reset at the
 * end of every line). A display that is off is drawn as a dark panel, with "off" in the frame.
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

export function renderToTerminal(display: PixelDisplay, options: TerminalOptions = {}): string {
  const { width, height } = display;
  const on = display.isOn();
  const lines: string[] = [];
  lines.push("┌" + "─".repeat(width) + "┐");
  for (let y = 0; y < height; y += 2) {
    let row = "";
    for (let x = 0; x < width; x++) {
      const top = on && display.pixel(x, y);
      const bottom = on && y + 1 < height && display.pixel(x, y + 1);
      row += top ? (bottom ? "█" : "▀") : bottom ? "▄" : " ";
    }
    lines.push("│" + (options.color ? PANEL + LIT + row + RESET : row) + "│");
  }
  const label = on ? "" : "┤ off ├";
  lines.push("└" + label + "─".repeat(width - label.length) + "┘");
  return lines.join("\n");
}
