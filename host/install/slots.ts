/**
 * How the firmware sits in Espruino's Storage so that a power cut at any byte of an upgrade
 * leaves a firmware that boots.
 *
 * Espruino runs only ".bootcde", and rewriting a file erases the old copy first (no rename), so
 * writing the firmware straight into ".bootcde" (or copying a staged file over it) has a window
 * of tens of kilobytes in which a cut leaves no firmware. Instead:
 *
 * - ".bootcde" is a small, fixed loader (LOADER_SOURCE, a few hundred bytes). It is written once,
 *   on the first install, and never again (Storage.write of identical bytes programs nothing).
 * - The firmware lives in one of two slot files, "tsfw.a" and "tsfw.b". Each begins with a
 *   25-byte header `//tsfw SSSSSSSS CCCCCCCC\n`: a sequence number and the CRC-32 of the rest of
 *   the file (the bundle), both 8 hex digits. The header is itself a JavaScript comment, so the
 *   slot is plain runnable code.
 * - At boot the loader takes the console off Serial1, then takes the slot whose body matches its
 *   header's CRC and has the higher sequence number, and evals it. No valid slot: it gives the
 *   REPL back to Serial1 and does nothing else.
 * - An upgrade writes the slot that is NOT running, with sequence number + 1. Until its last
 *   byte is programmed its CRC cannot match (unwritten bytes read 0xFF), so the running slot
 *   stays the one that boots; the instant the write completes the new slot wins. The running
 *   slot is never touched, and stays as the fallback should the new one ever fail its CRC.
 *
 * The one unprotected moment is the first install over a board whose ".bootcde" is something
 * else (the bundle put there by the Web IDE): replacing it with the loader erases it first, so
 * a cut in that ~400-byte write leaves Espruino at its prompt (recover by running install again;
 * the slot is already written and verified by then). On a bare board nothing is lost: a partly
 * written loader fails to parse and the REPL stays on Serial1.
 */
import zlib from "node:zlib";

export const BOOT_FILE = ".bootcde";
export const SLOT_FILES = ["tsfw.a", "tsfw.b"] as const;
export const SLOT_HEADER_BYTES = 25;
const MAGIC = "//tsfw ";

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

export const crc32 = (text: string): number => zlib.crc32(Buffer.from(text, "latin1")) >>> 0;

/**
 * The loader stored as ".bootcde": ES5 that Espruino 2v29 runs (no forEach on literals, no
 * hoisting). Its first statement moves the console off Serial1: while the slots' CRCs are
 * checked (tens of milliseconds on an ESP32) a Ctrl-C on the UART would otherwise interrupt the
 * boot code and leave the REPL open. Only a board with no valid slot gets the REPL back (for
 * install); a firmware that throws at the top level leaves the console closed.
 */
export const LOADER_SOURCE =
  `LoopbackA.setConsole(true);var __tsfw=(function(s){var n=${JSON.stringify(SLOT_FILES)},b=null,q=-1,i,h,v,c;` +
  `for(i=0;i<n.length;i++){h=s.read(n[i],0,${SLOT_HEADER_BYTES});` +
  `if(h&&h.length==${SLOT_HEADER_BYTES}&&h.substr(0,${MAGIC.length})=="${MAGIC}"&&h.charCodeAt(${SLOT_HEADER_BYTES - 1})==10){` +
  `v=parseInt(h.substr(${MAGIC.length},8),16);c=parseInt(h.substr(${MAGIC.length + 9},8),16);` +
  `if(v>q&&(E.CRC32(s.read(n[i],${SLOT_HEADER_BYTES}))>>>0)==c){q=v;b=n[i];}}}return b;})(require("Storage"));\n` +
  `if(__tsfw)eval(require("Storage").read(__tsfw));else Serial1.setConsole(true);\n`;

/** The slot file's content: header + bundle. */
export function slotImage(bundle: string, seq: number): string {
  return `${MAGIC}${hex8(seq)} ${hex8(crc32(bundle))}\n${bundle}`;
}

/** One slot as the device reports it (see SLOT_STATE_EXPRESSION). */
export interface SlotState {
  name: string;
  seq: number | null;
  headerCrc: number | null;
  bodyCrc: number;
  size: number;
  valid: boolean;
}

export interface StorageState {
  slots: SlotState[];
  bootCrc: number | null;
  bootSize: number;
  freeBytes: number;
  trashBytes: number;
}

/**
 * An expression the device evaluates to report both slots (header fields, body CRC computed on
 * the device with E.CRC32 over the flash-backed string, size), ".bootcde"'s CRC and the free space.
 */
export const STORAGE_STATE_EXPRESSION =
  `(function(s){var n=${JSON.stringify(SLOT_FILES)},r=[],i,h,ok,f,t,b;` +
  `for(i=0;i<n.length;i++){f=s.read(n[i]);if(f===undefined){r.push(null);continue;}h=s.read(n[i],0,${SLOT_HEADER_BYTES});` +
  `ok=h.length==${SLOT_HEADER_BYTES}&&h.substr(0,${MAGIC.length})=="${MAGIC}"&&h.charCodeAt(${SLOT_HEADER_BYTES - 1})==10;` +
  `r.push([ok?parseInt(h.substr(${MAGIC.length},8),16):null,ok?parseInt(h.substr(${MAGIC.length + 9},8),16):null,E.CRC32(s.read(n[i],${SLOT_HEADER_BYTES}))>>>0,f.length]);}` +
  `b=s.read("${BOOT_FILE}");t=s.getStats?s.getStats():{freeBytes:s.getFree(),trashBytes:0};` +
  `return [r,b===undefined?null:E.CRC32(b)>>>0,b===undefined?0:b.length,t.freeBytes,t.trashBytes];})(require("Storage"))`;

type RawState = [Array<[number | null, number | null, number, number] | null>, number | null, number, number, number];

export function parseStorageState(raw: unknown): StorageState {
  const [slots, bootCrc, bootSize, freeBytes, trashBytes] = raw as RawState;
  return {
    slots: SLOT_FILES.flatMap((name, i) => {
      const s = slots[i];
      if (s === null || s === undefined) return [];
      const [seq, headerCrc, bodyCrc, size] = s;
      return [{ name, seq, headerCrc, bodyCrc, size, valid: seq !== null && headerCrc !== null && headerCrc === bodyCrc }];
    }),
    bootCrc,
    bootSize,
    freeBytes,
    trashBytes,
  };
}

/** The slot the loader boots: valid, highest sequence number. */
export function activeSlot(state: StorageState): SlotState | undefined {
  return state.slots.filter((s) => s.valid).sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0))[0];
}

/** What a file of `size` bytes occupies in Storage (32-byte header, 4-byte alignment). */
export const storageFootprint = (size: number) => 32 + Math.ceil(size / 4) * 4;
