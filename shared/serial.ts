/**
 * What a token serial is, in one place: the firmware stores it, the provisioning job and the
 * ledger hand it out, the exporters write it into import files. 1 to 32 of A-Z a-z 0-9 . _ -,
 * starting with a letter or a digit (a token keeps at most 32 bytes; no character a CSV line,
 * a spreadsheet or Duo's importer would read as anything but text: a leading '-' is a formula
 * to a spreadsheet, and an option to a command line). A batch serial is a prefix and a
 * zero-padded number.
 */

export const MAX_SERIAL_LENGTH = 32;
/** Digits a batch appends to its prefix. */
export const SERIAL_NUMBER_DIGITS = 6;

function isLetterOrDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSerialCharacter(c: number): boolean {
  return isLetterOrDigit(c) || c === 45 || c === 46 || c === 95;
}

/**
 * The index of the first character a serial may not hold there, or -1 when there is none:
 * any character outside A-Z a-z 0-9 . _ -, and a first character that is not a letter or digit.
 */
export function firstBadSerialCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (i === 0 ? !isLetterOrDigit(c) : !isSerialCharacter(c)) {
      return i;
    }
  }
  return -1;
}

/** Whether `text` is a token serial. */
export function isSerial(text: string): boolean {
  return text.length >= 1 && text.length <= MAX_SERIAL_LENGTH && firstBadSerialCharacter(text) < 0;
}

/**
 * Whether `prefix` makes serials with `digits` more: serial characters, room for the number,
 * and not ending in a digit (so that prefix and number read one way).
 */
export function isSerialPrefix(prefix: string, digits: number): boolean {
  if (prefix.length < 1 || prefix.length + digits > MAX_SERIAL_LENGTH || firstBadSerialCharacter(prefix) >= 0) {
    return false;
  }
  const last = prefix.charCodeAt(prefix.length - 1);
  return last < 48 || last > 57;
}
