import { describe, expect, it } from "vitest";
import { I2cBus, I2cNackError, type I2cDevice } from "../../../hardware/sim/devices/i2c-bus.js";

class Echo implements I2cDevice {
  last: Uint8Array = new Uint8Array();
  responding = true;
  constructor(readonly address: number) {}
  write(data: Uint8Array) {
    this.last = data;
  }
  read(count: number) {
    return new Uint8Array(count).fill(0xa5);
  }
  isResponding() {
    return this.responding;
  }
}

describe("I2cBus", () => {
  it("routes transfers and counts bytes per address", () => {
    const bus = new I2cBus();
    const dev = new Echo(0x3c);
    bus.attach(dev);
    bus.writeTo(0x3c, Uint8Array.of(0, 1, 2));
    bus.writeTo(0x3c, Uint8Array.of(0x40, 9));
    expect(Array.from(dev.last)).toEqual([0x40, 9]);
    expect(bus.bytesWritten(0x3c)).toBe(5);
    expect(Array.from(bus.readFrom(0x3c, 2))).toEqual([0xa5, 0xa5]);
    expect(bus.bytesRead(0x3c)).toBe(2);
    expect(bus.transferCount()).toBe(3);
    bus.resetCounters();
    expect(bus.bytesWritten(0x3c)).toBe(0);
    expect(bus.transferCount()).toBe(0);
  });

  it("fails a transfer nobody ACKs with Espruino's ESP32 error text", () => {
    const bus = new I2cBus();
    expect(() => bus.writeTo(0x68, Uint8Array.of(0))).toThrow("jshI2CWrite: slave doesn't ACK the transfer");
    expect(() => bus.readFrom(0x68, 1)).toThrow("jshI2CRead: slave doesn't ACK the transfer");
    try {
      bus.writeTo(0x68, Uint8Array.of(0));
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(I2cNackError);
      expect((error as I2cNackError).address).toBe(0x68);
    }
    const dev = new Echo(0x68);
    bus.attach(dev);
    dev.responding = false;
    expect(() => bus.writeTo(0x68, Uint8Array.of(0))).toThrow(I2cNackError);
    expect(bus.bytesWritten(0x68)).toBe(0);
  });

  it("refuses two devices at one address", () => {
    const bus = new I2cBus();
    bus.attach(new Echo(0x3c));
    expect(() => bus.attach(new Echo(0x3c))).toThrow(/already attached at 0x3c/);
    expect(() => bus.attach(new Echo(0x80))).toThrow(RangeError);
  });
});
