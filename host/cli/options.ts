/** Option parsing shared by the commands: strict, with messages that say what is accepted. */
import { InputError, type Algorithm } from "../index.js";

export function parseWhole(text: string, min: number, max: number, name: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InputError(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

export function parseChoice<T extends string | number>(text: string, choices: readonly T[], name: string): T {
  const found = choices.find((c) => String(c).toLowerCase() === text.trim().toLowerCase());
  if (found === undefined) throw new InputError(`${name} must be one of ${choices.join(", ")}, not "${text}"`);
  return found;
}

export function parseAlgorithm(text: string): Algorithm {
  const name = text.trim().toUpperCase().replace("-", "");
  if (name !== "SHA1" && name !== "SHA256") throw new InputError(`--algorithm must be SHA1 or SHA256, not "${text}"`);
  return name;
}

/** A secret argument, or "-" to read it from stdin (keeps it out of shell history). */
export async function readSecretArgument(value: string): Promise<string> {
  if (value !== "-") return value;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") throw new InputError("nothing on stdin: pipe the secret in, or give it as the argument");
  return text;
}
