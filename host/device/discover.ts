/**
 * Serial ports, with a guess at which are ESP32 boards: by the USB-serial bridge chips that
 * ESP32 DevKits carry. Where the OS cannot list ports (no udev in a container, for example)
 * the error says so and how to name the port instead.
 */
import { PortListingError } from "../errors.js";
export { PortListingError };

/** USB vendor:product ids of bridges found on ESP32 boards (lowercase hex). */
export const ESP32_BRIDGES: Record<string, string> = {
  "10c4:ea60": "Silicon Labs CP210x (common on ESP32 DevKits)",
  "1a86:7523": "WCH CH340 (common on ESP32 DevKits)",
  "1a86:55d4": "WCH CH9102 (ESP32 DevKits)",
  "0403:6001": "FTDI FT232R",
  "0403:6010": "FTDI FT2232 (ESP-WROVER-KIT)",
  "303a:1001": "Espressif USB JTAG/serial (ESP32-C3/S3 native USB)",
};

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  /** Why we think it is an ESP32 board, or null. */
  esp32Guess: string | null;
}

type Lister = () => Promise<Array<{ path: string; vendorId?: string; productId?: string; manufacturer?: string; serialNumber?: string }>>;

export async function listPorts(lister: Lister = async () => (await import("serialport")).SerialPort.list()): Promise<PortInfo[]> {
  let ports;
  try {
    ports = await lister();
  } catch (error) {
    const reason = (error as Error).message;
    throw new PortListingError(
      `serial ports cannot be listed on this machine (${reason}${/udevadm/.test(reason) ? ": no udev" : ""}). ` +
        "Name the port instead: --port /dev/ttyUSB0 (or COM3 on Windows, tcp://HOST:PORT for a simulator or bridge, sim for the built-in simulated token)",
    );
  }
  return ports.map((p) => {
    const id = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}`.toLowerCase() : "";
    return { ...p, esp32Guess: ESP32_BRIDGES[id] ?? null };
  });
}
