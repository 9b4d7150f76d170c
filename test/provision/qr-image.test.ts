/**
 * `provision --qr-image`'s reader: the otpauth:// URI out of PNG and JPEG images made by the
 * tests (qr-images.ts) the way an administrator gets them: small, scaled up, blurred,
 * JPEG-compressed, inside a larger screenshot. And the refusals: no code, not an image, a code
 * that holds no key, a Google Authenticator transfer code; none repeats what was decoded.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readQrImage } from "../../host/provision/qr-image.js";
import { writePageWithoutCode, writeQrImage, type QrImageOptions } from "./qr-images.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "tokensmith-qr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const URI = "otpauth://totp/Autotask:helpdesk%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Autotask";
const LONG_URI = "otpauth://totp/Datto%20RMM:ops%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Datto%20RMM&algorithm=SHA1&digits=6&period=30";

let n = 0;
function image(text: string, options: QrImageOptions = {}): string {
  const file = path.join(dir, `qr-${n++}.${options.format === "jpeg" ? "jpg" : "png"}`);
  writeQrImage(file, text, options);
  return file;
}

describe("readQrImage", () => {
  const cases: Array<[string, QrImageOptions]> = [
    ["a small PNG (2 pixels a module)", { scale: 2 }],
    ["a large PNG (12 pixels a module)", { scale: 12 }],
    ["a blurred PNG", { scale: 6, blur: 2 }],
    ["a JPEG at quality 25", { scale: 5, format: "jpeg", quality: 25 }],
    ["a blurred JPEG", { scale: 6, blur: 1, format: "jpeg", quality: 50 }],
    ["inside a 1280x800 screenshot", { scale: 4, screenshot: { width: 1280, height: 800, x: 700, y: 260 } }],
    ["inside a JPEG screenshot", { scale: 5, format: "jpeg", quality: 60, screenshot: { width: 1024, height: 768, x: 40, y: 300 } }],
  ];
  for (const [name, options] of cases) {
    it(`reads ${name}`, async () => {
      expect(await readQrImage(image(LONG_URI, options))).toBe(LONG_URI);
    });
  }

  it("reads Autotask's 80-bit key URI unchanged (the length rule is provision's business)", async () => {
    expect(await readQrImage(image(URI))).toBe(URI);
  });

  it("refuses an image without a QR code, saying what to do", async () => {
    const blank = path.join(dir, "blank.png");
    writePageWithoutCode(blank);
    await expect(readQrImage(blank)).rejects.toThrow(/no QR code found in .*blank\.png: take the screenshot again/);
  });

  it("refuses a file that is not a PNG or JPEG, and a missing file", async () => {
    const text = path.join(dir, "key.txt");
    writeFileSync(text, URI);
    await expect(readQrImage(text)).rejects.toThrow(/not a PNG or JPEG image/);
    await expect(readQrImage(path.join(dir, "missing.png"))).rejects.toThrow(/cannot read the QR image .*ENOENT/);
  });

  it("refuses a code that is not a key URI without echoing it; reads a Google Authenticator transfer code", async () => {
    const web = "https://example.com/enrol?token=SECRETISH";
    await expect(readQrImage(image(web))).rejects.toThrow(/not an otpauth:\/\/ key URI/);
    await expect(readQrImage(image(web))).rejects.not.toThrow(/SECRETISH/);
    const migration = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC";
    expect(await readQrImage(image(migration, { scale: 3, format: "jpeg", quality: 50 }))).toBe(migration);
  });
});
