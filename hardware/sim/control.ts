/**
 * The simulator's control language: one command per line, so a session can be scripted
 * (`tokensmith sim` reads them on stdin). Each returns a line of text for the operator.
 */
import { writePng } from "./render/png.js";
import type { SimulatedToken } from "./token.js";

export const CONTROL_HELP = [
  "press                 press and release the button",
  "long-press            hold the button (next profile)",
  "advance SECONDS       let virtual time run",
  "snapshot FILE.png     save the display as a picture",
  "power-off | power-on  remove or apply USB power",
  "battery-out | battery-in  remove or insert the DS3231 coin cell",
  "status                power state, virtual time, DS3231 time",
  "quit                  stop the simulator",
].join("\n");

export interface ControlResult {
  reply: string;
  quit: boolean;
}

/** Runs one control line against the token. Unknown or malformed lines get a usage reply. */
export function runControl(token: SimulatedToken, line: string): ControlResult {
  const [command, ...args] = line.trim().split(/\s+/);
  const ok = (reply: string): ControlResult => ({ reply, quit: false });
  switch (command) {
    case "":
      return ok("");
    case "press":
      token.press();
      token.advanceMs(400);
      return ok("pressed");
    case "long-press":
      token.longPress();
      token.advanceMs(1500);
      return ok("long-pressed");
    case "advance": {
      const seconds = Number(args[0]);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 10 * 365 * 86400) return ok("usage: advance SECONDS (0 to ten years)");
      token.advance(seconds);
      return ok(`advanced ${seconds} s`);
    }
    case "snapshot": {
      if (args.length !== 1 || !args[0].endsWith(".png")) return ok("usage: snapshot FILE.png");
      writePng(args[0], token.display, 4);
      return ok(`saved ${args[0]}`);
    }
    case "power-off":
      token.powerOff();
      return ok("power off");
    case "power-on":
      token.powerOn();
      return ok("power on");
    case "battery-out":
      token.batteryOut();
      return ok("coin cell removed");
    case "battery-in":
      token.batteryIn();
      return ok("coin cell inserted");
    case "status":
      return ok(`state ${token.state}, virtual time ${new Date(token.clock.nowMs()).toISOString()}, DS3231 ${new Date(token.rtc.trueUnixSeconds() * 1000).toISOString()}, boots ${token.bootCount}`);
    case "quit":
    case "exit":
      return { reply: "bye", quit: true };
    case "help":
      return ok(CONTROL_HELP);
    default:
      return ok(`unknown command '${command}'; commands:\n${CONTROL_HELP}`);
  }
}
