/**
 * `--assign FILE`: which Duo account each token goes to, as "serial,username" lines (a header
 * line "serial,username" is allowed; blank lines and lines starting with # are skipped).
 *
 * "admin:EMAIL" names a Duo administrator instead of a user (the shared help-desk admin
 * account). The Admin API cannot attach a hardware token to an administrator (its admin
 * endpoints take no token), so those tokens get Admin Panel steps instead: adminPanelSteps.
 */
import { readFileSync } from "node:fs";
import { isSerial } from "../../shared/serial.js";
import { InputError } from "../errors.js";

export type Assignee = { kind: "user"; username: string } | { kind: "admin"; email: string };

const ADMIN_PREFIX = "admin:";

export function parseAssignments(text: string, source = "the assignment file"): Map<string, Assignee> {
  const assignments = new Map<string, Assignee>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(",").map((f) => f.trim());
    if (index === 0 && fields[0].toLowerCase() === "serial") return;
    const where = `line ${index + 1}`;
    if (fields.length !== 2 || !fields[1]) {
      problems.push(`${where}: expected "serial,username" (or "serial,admin:EMAIL"), got ${JSON.stringify(line)}`);
      return;
    }
    const [serial, who] = fields;
    if (!isSerial(serial)) {
      problems.push(`${where}: ${JSON.stringify(serial)} is not a token serial`);
      return;
    }
    if (assignments.has(serial)) {
      problems.push(`${where}: ${serial} is assigned twice`);
      return;
    }
    if (who.toLowerCase().startsWith(ADMIN_PREFIX)) {
      const email = who.slice(ADMIN_PREFIX.length).trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        problems.push(`${where}: ${JSON.stringify(email)} is not an administrator's email address`);
        return;
      }
      assignments.set(serial, { kind: "admin", email });
    } else {
      assignments.set(serial, { kind: "user", username: who });
    }
  });
  if (problems.length > 0) throw new InputError(`${source} has ${problems.length === 1 ? "a line" : "lines"} tokensmith cannot use (nothing was sent to Duo):\n${problems.map((p) => "  - " + p).join("\n")}`);
  return assignments;
}

export function readAssignments(file: string): Map<string, Assignee> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the assignment file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseAssignments(text, file);
}

/** What an Owner does in the Admin Panel to give administrators their tokens (one line each). */
export function adminPanelSteps(tokens: ReadonlyArray<{ serial: string; email: string }>): string[] {
  if (tokens.length === 0) return [];
  return [
    "Duo's Admin API cannot attach a hardware token to an administrator; an Owner does it in the Admin Panel:",
    "  1. Log in to the Duo Admin Panel as an Owner and open Administrators in the left menu.",
    "  2. Click the administrator's name to open their page.",
    "  3. In the hardware token setting, choose the token by its serial, then click Save Changes (Duo's labels may move).",
    ...tokens.map((t) => `     ${t.serial} -> ${t.email}`),
  ];
}
