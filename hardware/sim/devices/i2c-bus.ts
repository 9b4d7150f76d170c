/**
 * One I2C bus (Espruino's I2C1 on the ESP32) with devices at 7-bit addresses.
 *
 * A transfer to an address where no device answers (none attached, or the device is without
 * power) fails the way Espruino's ESP32 port reports a missing ACK: its hardware-I2C driver
 * (targets/esp32/jshardwareI2c.c, checkError) throws an Error
 * "jshI2CWrite: slave doesn't ACK the transfer" (or "jshI2CRead: ..."). The message carries no
 * address; the thrown I2cNackError has it as `.address`.
 */

export interface I2cDevice {
  /** 7-bit address. */
  readonly address: number;
  /** One write transfer (START, address+W, these bytes, STOP). */
  write(data: Uint8Array): void;
  /** One read transfer (START, address+R, `count` bytes, STOP). */
  read(count: number): Uint8Array;
  /** Optional: false while the device would not ACK its address (e.g. unpowered). Default true. */
  isResponding?(): boolean;
}

export class I2cNackError extends Error {
  constructor(
    readonly address: number,
    readonly direction: "write" | "read",
  ) {
    super(`${direction === "write" ? "jshI2CWrite" : "jshI2CRead"}: slave doesn't ACK the transfer`);
    this.name = "Error"; // Espruino throws a plain Error (JSET_ERROR)
  }
}

const hex = (address: number) => "0x" + address.toString(16).padStart(2, "0");

export class I2cBus {
  private readonly devices = new Map<number, I2cDevice>();
  private readonly written = new Map<number, number>();
  private readonly readCounts = new Map<number, number>();
  private transfers = 0;

  attach(device: I2cDevice): void {
    const a = device.address;
    if (!Number.isInteger(a) || a < 0 || a > 0x7f) throw new RangeError(`I2C address ${a} is not a 7-bit address`);
    if (this.devices.has(a)) throw new Error(`I2C bus: a device is already attached at ${hex(a)}`);
    this.devices.set(a, device);
  }

  detach(address: number): void {
    this.devices.delete(address);
  }

  device(address: number): I2cDevice | undefined {
    return this.devices.get(address);
  }

  writeTo(address: number, data: Uint8Array): void {
    const device = this.responder(address, "write");
    this.transfers++;
    this.written.set(address, (this.written.get(address) ?? 0) + data.length);
    device.write(Uint8Array.from(data));
  }

  readFrom(address: number, count: number): Uint8Array {
    const device = this.responder(address, "read");
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`I2C read of ${count} bytes`);
    this.transfers++;
    this.readCounts.set(address, (this.readCounts.get(address) ?? 0) + count);
    const out = device.read(count);
    if (out.length !== count) throw new Error(`I2C device ${hex(address)} returned ${out.length} bytes for a read of ${count}`);
    return out;
  }

  /** Payload bytes written to `address` since the last resetCounters() (address byte not counted). */
  bytesWritten(address: number): number {
    return this.written.get(address) ?? 0;
  }

  /** Bytes read from `address` since the last resetCounters(). */
  bytesRead(address: number): number {
    return this.readCounts.get(address) ?? 0;
  }

  /** Successful transfers (reads and writes, all addresses) since the last resetCounters(). */
  transferCount(): number {
    return this.transfers;
  }

  resetCounters(): void {
    this.written.clear();
    this.readCounts.clear();
    this.transfers = 0;
  }

  private responder(address: number, direction: "write" | "read"): I2cDevice {
    const device = this.devices.get(address);
    if (device === undefined || (device.isResponding !== undefined && !device.isResponding())) {
      throw new I2cNackError(address, direction);
    }
    return device;
  }
}
