/**
 * `tokensmith install`: puts the token firmware onto a board running Espruino (bare, or a token
 * already running an older firmware) over any Transport, and proves it boots.
 *
 * 1. HELLO. If the token answers, the protocol owns the console: the same version is left alone
 *    (unless forced); otherwise MAINTENANCE hands the console to the REPL, which the firmware
 *    allows only while its button is held.
 * 2. At the REPL: Ctrl-C, stop the firmware's timers and watches, probe Espruino (version,
 *    board, crypto), read both firmware slots (their CRCs computed on the device).
 * 3. The same bundle already in the running slot (CRC) and the loader in ".bootcde": nothing to
 *    do (unless forced). Otherwise write the other slot in ~1 KB chunks, each one line
 *    `\x10require("Storage").write(slot,atob(...),offset,total)` acknowledged by the device;
 *    verify the slot's CRC on the device; write the loader if ".bootcde" is not it yet.
 *    (slots.ts: why a cut at any byte leaves a firmware that boots.)
 * 4. E.reboot(), then HELLO must report the expected firmware version.
 */
import { FIRMWARE_VERSION } from "../../firmware/app/version.js";
import { answerTimeoutMs, NoAnswerError, TokenClient, TokenError, type Hello } from "../device/client.js";
import type { Transport } from "../transport/transport.js";
import { CountingTransport, ReplDriver, ReplError, pauseFor } from "./repl-driver.js";
import {
  BOOT_FILE,
  LOADER_SOURCE,
  SLOT_FILES,
  STORAGE_STATE_EXPRESSION,
  activeSlot,
  crc32,
  parseStorageState,
  slotImage,
  storageFootprint,
  type StorageState,
} from "./slots.js";
import { InstallError } from "../errors.js";
export { InstallError };

export const HOLD_BUTTON_MESSAGE = "the token is running its firmware and refused MAINTENANCE: hold the token's button and run again";

export interface EspruinoProbe {
  version: string;
  board: string;
  hasCrypto: boolean;
}

export interface InstallOptions {
  /** Install even when the same firmware is already there. */
  force?: boolean;
  /** The version HELLO must report after the reboot (default FIRMWARE_VERSION). */
  expectedVersion?: string;
  /** Bundle bytes per chunk (default 1024). */
  chunkBytes?: number;
  /** Called after each acknowledged chunk. */
  progress?: (sentBytes: number, totalBytes: number) => void;
  /** Steps, for a person watching. */
  log?: (message: string) => void;
  /** Real ms to wait for a REPL answer (default 3000). */
  replTimeoutMs?: number;
  /** Real ms to wait for each HELLO attempt before concluding the REPL has the console (default 700). */
  helloTimeoutMs?: number;
  /** Device-time ms to wait after E.reboot() before HELLO (default 1500). */
  rebootWaitMs?: number;
}

export interface InstallFigures {
  bundleBytes: number;
  /** The slot file: header + bundle. */
  imageBytes: number;
  chunks: number;
  /** Bytes this install wrote to the link, all of it (HELLOs, REPL lines, chunks). */
  wireBytesSent: number;
  /** Bytes the device sent back. */
  wireBytesReceived: number;
  /** wireBytesSent at 115200 baud, 8N1 (10 bits a byte). */
  secondsAt115200: number;
}

export interface InstallResult {
  action: "installed" | "unchanged";
  /** Why nothing was done, or what was done. */
  reason: string;
  espruino: EspruinoProbe | null;
  /** Which hash path the firmware takes: the crypto module's SHA-1 or the pure one. */
  hashPath: "native" | "pure" | null;
  previousFirmware: string | null;
  /** The token was running its firmware and went through MAINTENANCE. */
  viaMaintenance: boolean;
  slot: string | null;
  seq: number | null;
  crc: string;
  hello: Hello | null;
  figures: InstallFigures;
}

/** Version, board and crypto of the Espruino at the other end of a REPL. */
export async function probe(driver: ReplDriver): Promise<EspruinoProbe> {
  const [version, board, hasCrypto] = await driver.evaluateRetrying<[string, string, boolean]>(
    `[process.env.VERSION,process.env.BOARD,(function(){try{return !!require("crypto").SHA1;}catch(e){return false;}})()]`,
  );
  return { version: String(version), board: String(board), hasCrypto: hasCrypto === true };
}

/**
 * The JsVars the token needs: the device suite proves the firmware's peak fits in 75 % of a
 * 4,000-variable heap. An ESP32 whose Bluetooth memory is reserved gives about 2,000 to 2,500.
 */
export const TOKEN_HEAP_VARS = 3500;

/**
 * A token needs neither radio, and Bluetooth's reserved memory is the heap the firmware needs;
 * fewer radios, less to attack. Espruino keeps each switch in NVS, and ESP32.enableBLE(false) /
 * enableWifi(false) also remove the saved code and restart the board, so this runs before
 * anything is written, and only while the heap shows the radios on (it cannot be asked directly).
 * With the radios off the ESP32's hardware RNG is pseudo-random (ESP-IDF): nonces must not
 * rely on it alone.
 */
async function switchRadiosOff(driver: ReplDriver, pause: (ms: number) => Promise<void>, log: (line: string) => void, rebootWaitMs: number): Promise<void> {
  const heap = () => driver.evaluate<number>("process.memory().total");
  if ((await heap()) >= TOKEN_HEAP_VARS) return;
  for (const [call, radio] of [["enableBLE", "Bluetooth"], ["enableWifi", "Wi-Fi"]] as const) {
    if (!(await driver.evaluate<boolean>(`typeof ESP32.${call}==="function"`))) continue;
    log(`switching ${radio} off (ESP32.${call}(false)): the board restarts`);
    await driver.sendLine(`ESP32.${call}(false)`);
    await pause(rebootWaitMs);
    await driver.interrupt();
  }
  const total = await heap();
  if (total < TOKEN_HEAP_VARS) {
    throw new InstallError(`this Espruino gives ${total} JavaScript variables with its radios off; the token needs ${TOKEN_HEAP_VARS}: use an Espruino ESP32 build without Bluetooth, or a board with more RAM`);
  }
  log(`radios off: ${total} JavaScript variables for the token`);
}

async function readState(driver: ReplDriver): Promise<StorageState> {
  return parseStorageState(await driver.evaluate(STORAGE_STATE_EXPRESSION));
}

async function helloOrNull(client: TokenClient): Promise<Hello | null> {
  try {
    return await client.hello();
  } catch (error) {
    if (error instanceof NoAnswerError) return null;
    throw error;
  }
}

export async function install(link: Transport, bundle: string, options: InstallOptions = {}): Promise<InstallResult> {
  const transport = new CountingTransport(link);
  const expectedVersion = options.expectedVersion ?? FIRMWARE_VERSION;
  const chunkBytes = options.chunkBytes ?? 1024;
  const log = options.log ?? (() => undefined);
  const pause = pauseFor(link);
  const image0 = slotImage(bundle, 1);
  const bundleCrc = crc32(bundle);
  const figures = (chunks: number, imageBytes: number): InstallFigures => ({
    bundleBytes: bundle.length,
    imageBytes,
    chunks,
    wireBytesSent: transport.bytesWritten,
    wireBytesReceived: transport.bytesRead,
    secondsAt115200: (transport.bytesWritten * 10) / 115200,
  });
  const result: InstallResult = {
    action: "unchanged",
    reason: "",
    espruino: null,
    hashPath: null,
    previousFirmware: null,
    viaMaintenance: false,
    slot: null,
    seq: null,
    crc: bundleCrc.toString(16).padStart(8, "0"),
    hello: null,
    figures: figures(0, image0.length),
  };

  // 1. Who has the console?
  // A probe: silence (a bare Espruino prompt) is an answer too, so it keeps its short wait.
  const client = new TokenClient(transport, { timeoutMs: options.helloTimeoutMs ?? 700, retries: 1 });
  const driver = new ReplDriver(transport, { timeoutMs: options.replTimeoutMs ?? answerTimeoutMs(3000), pause });
  try {
    const before = await helloOrNull(client);
    if (before !== null) {
      result.previousFirmware = before.firmware;
      log(`the token answers: firmware ${before.firmware}, serial ${before.serial || "(not provisioned)"}, ${before.state}`);
      if (before.firmware === expectedVersion && !options.force) {
        result.reason = `firmware ${expectedVersion} is already installed (--force to install it again)`;
        result.hello = before;
        result.figures = figures(0, image0.length);
        return result;
      }
      try {
        await client.maintenance();
      } catch (error) {
        if (error instanceof TokenError && error.code === "not_allowed") throw new InstallError(HOLD_BUTTON_MESSAGE);
        throw error;
      }
      result.viaMaintenance = true;
      log("MAINTENANCE accepted: the console is the Espruino prompt");
      // The firmware hands the console over after its answer, when its timer runs: on a busy
      // chip that can be later than any fixed pause, and what reaches it first is lost.
      await driver.sync();
    } else {
      await driver.interrupt();
    }

    // 2. The prompt, Espruino itself, and what is in Storage.
    if (result.viaMaintenance) {
      // The firmware's timers would put the chip to sleep in the middle of the upload.
      await driver.evaluate(`(clearInterval(),clearWatch(),0)`);
    }
    const espruino = await probe(driver);
    result.espruino = espruino;
    result.hashPath = espruino.hasCrypto ? "native" : "pure";
    log(`Espruino ${espruino.version} on ${espruino.board}; crypto ${espruino.hasCrypto ? "present: native SHA-1" : "absent: the firmware hashes in JavaScript"}`);
    if (espruino.board === "ESP32") await switchRadiosOff(driver, pause, log, options.rebootWaitMs ?? 1500);
    const state = await readState(driver);
    const active = activeSlot(state);
    const loaderCrc = crc32(LOADER_SOURCE);
    const loaderInPlace = state.bootCrc === loaderCrc;
    if (!options.force && active !== undefined && active.bodyCrc === bundleCrc && loaderInPlace) {
      result.reason = `this firmware (CRC ${result.crc}) is already in ${active.name} (--force to install it again)`;
      result.slot = active.name;
      result.seq = active.seq;
    } else {
      // 3. Upload into the slot that is not running.
      const target = active === undefined ? SLOT_FILES[0] : SLOT_FILES.find((n) => n !== active.name)!;
      const seq = (active?.seq ?? 0) + 1;
      const image = slotImage(bundle, seq);
      const existing = state.slots.find((s) => s.name === target);
      const needed = storageFootprint(image.length) + (loaderInPlace ? 0 : storageFootprint(LOADER_SOURCE.length));
      const available = state.freeBytes + state.trashBytes + (existing ? storageFootprint(existing.size) : 0);
      if (needed > available) {
        throw new InstallError(`Storage is too small: the firmware needs ${needed} bytes, ${available} can be made free; nothing was written`);
      }
      log(`writing ${image.length} bytes to ${target} (sequence ${seq}) in ${Math.ceil(image.length / chunkBytes)} chunks`);
      let chunks = 0;
      for (let offset = 0; offset < image.length; offset += chunkBytes) {
        const chunk = Buffer.from(image.slice(offset, offset + chunkBytes), "latin1").toString("base64");
        const name = JSON.stringify(target);
        const write = `require("Storage").write(${name},atob("${chunk}"),${offset},${image.length})`;
        // Sent again after a lost answer, the chunk may be in flash already, and Espruino refuses
        // to write over written bytes even when they are the same: skip it when it reads back
        // equal. (Offset 0 starts the file afresh anyway; a garbled line that wrote something
        // else is refused here or caught by the CRC check below.)
        const again = offset === 0 ? write : `(function(S,d){return S.read(${name},${offset},d.length)===d||S.write(${name},d,${offset},${image.length})})(require("Storage"),atob("${chunk}"))`;
        const ok = await driver.evaluateRetrying(write, again, (why) => log(`chunk ${chunks + 1}: ${why}; sending it again`));
        if (ok !== true) throw new InstallError(`the device refused chunk ${chunks + 1} at offset ${offset}; the previous firmware still boots`);
        chunks += 1;
        options.progress?.(Math.min(offset + chunkBytes, image.length), image.length);
      }
      const written = await driver.evaluateRetrying<number>(`E.CRC32(require("Storage").read(${JSON.stringify(target)}))>>>0`);
      if (written !== crc32(image)) {
        await driver.evaluate(`require("Storage").erase(${JSON.stringify(target)}),0`);
        throw new InstallError(`what the device holds in ${target} (CRC ${written.toString(16)}) is not what was sent (CRC ${crc32(image).toString(16)}): erased it; the previous firmware still boots; run install again`);
      }
      log(`verified on the device: CRC-32 ${crc32(image).toString(16).padStart(8, "0")}`);
      if (!loaderInPlace) {
        const b64 = Buffer.from(LOADER_SOURCE, "latin1").toString("base64");
        await driver.evaluate(`require("Storage").write("${BOOT_FILE}",atob("${b64}"))`);
        const bootCrc = await driver.evaluate<number>(`E.CRC32(require("Storage").read("${BOOT_FILE}"))>>>0`);
        if (bootCrc !== loaderCrc) throw new InstallError(`the boot loader did not verify (CRC ${bootCrc.toString(16)}); run install again`);
        log(`boot loader written to ${BOOT_FILE}`);
      }
      result.action = "installed";
      result.reason = `firmware ${expectedVersion} written to ${target}, verified`;
      result.slot = target;
      result.seq = seq;
      result.figures = figures(chunks, image.length);
    }

    // 4. Reboot into it and make sure it is what we meant.
    await driver.sendLine("E.reboot()");
    await pause(options.rebootWaitMs ?? 1500);
    const after = new TokenClient(transport, { timeoutMs: Math.max(options.helloTimeoutMs ?? 700, answerTimeoutMs(1000)), retries: 3 });
    try {
      const hello = await after.hello();
      result.hello = hello;
      if (hello.firmware !== expectedVersion) {
        throw new InstallError(`the token rebooted into firmware ${hello.firmware}, not ${expectedVersion}`);
      }
    } catch (error) {
      if (error instanceof NoAnswerError) throw new InstallError(`the token did not answer HELLO after the reboot: the firmware did not start (run install again; the previous slot is kept)`);
      throw error;
    } finally {
      after.close();
    }
    const sent = result.figures;
    result.figures = { ...figures(sent.chunks, sent.imageBytes) };
    return result;
  } catch (error) {
    if (error instanceof ReplError) throw new InstallError(`the device reported an error: ${error.message}`);
    throw error;
  } finally {
    client.close();
    driver.close();
  }
}
