/**
 * CRC-32/ISO-HDLC: the CRC-32 of zlib, Ethernet and PNG (reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF; check value for "123456789" is 0xCBF43926).
 *
 * Chosen for the wire protocol and the token's records because Espruino computes exactly this
 * natively (`E.CRC32`) and Node has `zlib.crc32`: the portable bitwise form below, with no
 * 1 KB table to keep in a small heap, is the fallback for runtimes without either.
 *
 * A CRC is a 32-bit word: compare it only through crc32Hex (PORTABLE-SUBSET rule 3).
 */
const CRC32_POLY_REFLECTED = 0xedb88320;

/** Feeds one byte into a running CRC register (start from -1, i.e. all ones). */
export function crc32Update(crc: number, byte: number): number {
  let c = crc ^ byte;
  for (let k = 0; k < 8; k++) {
    c = (c >>> 1) ^ (CRC32_POLY_REFLECTED & -(c & 1));
  }
  return c;
}

/** CRC-32 of a byte string (characters 0..255), as a word. */
export function crc32OfString(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) {
    crc = crc32Update(crc, text.charCodeAt(i));
  }
  return ~crc;
}

/** CRC-32 of a byte array, as a word. */
export function crc32OfBytes(bytes: number[]): number {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) {
    crc = crc32Update(crc, bytes[i]);
  }
  return ~crc;
}
