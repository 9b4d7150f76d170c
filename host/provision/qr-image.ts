/**
 * The otpauth:// URI inside a QR code image (PNG or JPEG): the Autotask and Datto RMM pages show
 * their key only as a QR code, and a screenshot of it is what an administrator has.
 *
 * Decoded with zxing-wasm (zxing-cpp built to WebAssembly, maintained, reads scaled, blurred
 * and JPEG-compressed codes and finds one inside a larger screenshot). Its WebAssembly is read
 * from the installed package, never fetched (the library's default is a CDN). Loaded only when
 * --qr-image is used. The URI carries the seed: no message here repeats what was decoded.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { InputError } from "../errors.js";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
/** A screenshot is a few MiB at most; refuse anything far larger before decoding it. */
export const MAX_QR_IMAGE_BYTES = 32 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

let prepared = false;

/** The text of the one QR code in the image at `file`: an otpauth:// URI, or an otpauth-migration:// one. */
export async function readQrImage(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new InputError(`cannot read the QR image ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.length > MAX_QR_IMAGE_BYTES) throw new InputError(`${file} is ${bytes.length} bytes: too large for a QR code image (at most ${MAX_QR_IMAGE_BYTES}); crop the screenshot`);
  if (!startsWith(bytes, PNG) && !startsWith(bytes, JPEG)) throw new InputError(`${file} is not a PNG or JPEG image: save the QR code as a PNG (a screenshot) or JPEG`);
  const { prepareZXingModule, readBarcodes } = await import("zxing-wasm/reader");
  if (!prepared) {
    const wasm = readFileSync(createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm"));
    prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer } });
    prepared = true;
  }
  let results;
  try {
    results = await readBarcodes(new Uint8Array(bytes), { formats: ["QRCode"], tryHarder: true, tryDownscale: true, maxNumberOfSymbols: 8 });
  } catch (error) {
    throw new InputError(`cannot decode ${file} as an image (${(error as Error).message}): save the QR code again as PNG or JPEG`);
  }
  const texts = [...new Set(results.filter((r) => r.isValid && r.text).map((r) => r.text))];
  if (texts.length === 0) {
    throw new InputError(`no QR code found in ${file}: take the screenshot again with the whole code in view (quiet margin included), larger or sharper, or copy the key's text and use --secret-base32`);
  }
  if (texts.length > 1) throw new InputError(`${file} holds ${texts.length} different QR codes: crop it to the one for this token`);
  const text = texts[0];
  // A Google Authenticator "Transfer accounts" code (several accounts) is a key source too.
  if (!text.startsWith("otpauth://") && !text.startsWith("otpauth-migration://")) throw new InputError(`the QR code in ${file} is not an otpauth:// key URI (it does not hold a seed): use the code the service shows for an authenticator app`);
  return text;
}
