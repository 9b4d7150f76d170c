/** The simulated display in a terminal: redrawn in place there, appended in a log. */
import { describe, expect, it } from "vitest";
import { DisplayPrinter } from "../../../hardware/sim/render/display-printer.js";

const picture = (text: string) => ["┌──┐", `│${text}│`, "└──┘"].join("\n");

function printed(inPlace: boolean, steps: (printer: DisplayPrinter) => void): string {
  let out = "";
  steps(new DisplayPrinter((text) => (out += text), inPlace));
  return out;
}

describe("display printer", () => {
  it("on a terminal, a changed picture goes over the last one (cursor up its 3 lines); an unchanged one is not printed", () => {
    const out = printed(true, (p) => {
      p.picture(picture("ab"));
      p.picture(picture("ab"));
      p.picture(picture("cd"));
    });
    expect(out).toBe(picture("ab") + "\n" + "\x1b[3A\r" + picture("cd") + "\n");
  });

  it("on a terminal, a picture after other text starts below that text", () => {
    const out = printed(true, (p) => {
      p.picture(picture("ab"));
      p.text("reply\n");
      p.picture(picture("cd"));
      p.picture(picture("ef"));
    });
    expect(out).toBe(picture("ab") + "\nreply\n" + picture("cd") + "\n\x1b[3A\r" + picture("ef") + "\n");
  });

  it("in a log, every changed picture is appended, with no escape codes", () => {
    const out = printed(false, (p) => {
      p.picture(picture("ab"));
      p.picture(picture("cd"));
    });
    expect(out).toBe(picture("ab") + "\n" + picture("cd") + "\n");
    expect(out).not.toContain("\x1b");
  });
});
