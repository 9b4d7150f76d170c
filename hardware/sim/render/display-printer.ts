/**
 * Prints the simulated display as it changes. On a terminal, a new picture is drawn over the
 * last one (cursor up, then the same number of lines), unless something else was printed in
 * between; elsewhere (a log, a pipe) each picture is appended, as a record of what was shown.
 */
export class DisplayPrinter {
  private last = "";
  private lastLines = 0;
  /** The last thing printed was a picture: the next one may be drawn over it. */
  private pictureLast = false;

  constructor(
    private readonly print: (text: string) => void,
    private readonly inPlace: boolean,
  ) {}

  /** A picture of the display (lines joined by "\n"); printed only when it changed. */
  picture(picture: string): void {
    if (picture === this.last) return;
    const up = this.inPlace && this.pictureLast ? `\x1b[${this.lastLines}A\r` : "";
    this.print(up + picture + "\n");
    this.last = picture;
    this.lastLines = picture.split("\n").length;
    this.pictureLast = true;
  }

  /** Anything else (a reply, a notice): the next picture starts below it. */
  text(text: string): void {
    this.print(text);
    this.pictureLast = false;
  }
}
