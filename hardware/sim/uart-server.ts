/**
 * The simulated token's UART as a TCP socket: what a USB-serial cable is to a real board.
 * One connection at a time, like a serial port; a second one is refused with a message.
 */
import net from "node:net";
import type { SimulatedToken } from "./token.js";

export interface UartServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export function listenUart(token: SimulatedToken, host: string, port: number): Promise<UartServer> {
  let current: net.Socket | null = null;
  const forward = (text: string) => current?.write(Buffer.from(text, "latin1"));
  token.on("uart", forward);
  const server = net.createServer((socket) => {
    if (current !== null) {
      socket.end("the simulated token's UART is already in use by another connection\n");
      return;
    }
    current = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => token.sendToToken(chunk.toString("latin1")));
    socket.on("close", () => {
      if (current === socket) current = null;
    });
    socket.on("error", () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port} (${error.code ?? error.message}): choose another port, or 0 for any free one`)),
    );
    server.listen(port, host, () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            token.off("uart", forward);
            current?.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** "127.0.0.1:7000" or ":0" or "7000" -> host and port. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new Error(`"${text}" is not HOST:PORT (for example 127.0.0.1:7000, or 127.0.0.1:0 for any free port)`);
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : "127.0.0.1";
  return { host, port };
}
