/**
 * Structural checks of uploaded photos, in plain TypeScript (no native image library): the magic
 * bytes alone let "a valid header followed by anything" through. These walk the container format —
 * PNG chunks with their CRCs, JPEG marker segments, WebP's RIFF chunks — and refuse a file that is
 * truncated, padded with junk, or missing the parts every real image has. They do not decode pixels.
 */
import type { ImageType } from './photoStore';

/** Why the file is refused, for the error message; null when it is well formed. */
export type StructureProblem = string | null;

/** Larger than any photo we accept (2 MB) could sensibly hold; guards against absurd header values. */
const MAX_DIMENSION = 30_000;

export function checkImageStructure(bytes: Buffer, type: ImageType): StructureProblem {
  switch (type) {
    case 'image/png':
      return checkPng(bytes);
    case 'image/jpeg':
      return checkJpeg(bytes);
    case 'image/webp':
      return checkWebp(bytes);
  }
}

let crcTable: Uint32Array | undefined;
function crc32(buf: Buffer, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i += 1) crc = crcTable[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Signature, IHDR first (13 bytes, sane size and depth), every chunk's CRC, an IDAT, and IEND as the very last bytes. */
function checkPng(b: Buffer): StructureProblem {
  let pos = 8;
  let index = 0;
  let sawData = false;
  while (pos < b.length) {
    if (pos + 12 > b.length) return 'a PNG chunk is cut off';
    const length = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return 'a PNG chunk has an invalid type';
    const dataEnd = pos + 8 + length;
    if (length > 0x7fffffff || dataEnd + 4 > b.length) return 'a PNG chunk runs past the end of the file';
    if (crc32(b, pos + 4, dataEnd) !== b.readUInt32BE(dataEnd)) return `the PNG ${type} chunk is damaged (CRC mismatch)`;
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) return 'a PNG must start with its IHDR header';
      const width = b.readUInt32BE(pos + 8);
      const height = b.readUInt32BE(pos + 12);
      if (width === 0 || height === 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) return 'the PNG has an impossible size';
      const depth = b[pos + 16]!;
      const color = b[pos + 17]!;
      const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
      if (!depths[color]?.includes(depth)) return 'the PNG has an invalid colour type or bit depth';
    } else if (type === 'IHDR') return 'the PNG has two headers';
    if (type === 'IDAT') sawData = true;
    pos = dataEnd + 4;
    index += 1;
    if (type === 'IEND') {
      if (length !== 0) return 'the PNG end chunk is malformed';
      if (!sawData) return 'the PNG has no image data';
      return pos === b.length ? null : 'the PNG has extra bytes after its end';
    }
  }
  return 'the PNG is incomplete (no IEND chunk)';
}

// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** SOI, then well-formed marker segments up to the first scan (with a frame header before it), and EOI as the last bytes. */
function checkJpeg(b: Buffer): StructureProblem {
  let pos = 2;
  let sawFrame = false;
  for (;;) {
    if (pos + 4 > b.length) return 'the JPEG is cut off before its image data';
    if (b[pos] !== 0xff) return 'the JPEG has junk where a marker should be';
    // Any number of 0xFF fill bytes may precede a marker.
    while (b[pos + 1] === 0xff && pos + 2 < b.length) pos += 1;
    const marker = b[pos + 1]!;
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      return 'the JPEG has a marker out of place before its image data';
    }
    const length = b.readUInt16BE(pos + 2);
    if (length < 2 || pos + 2 + length > b.length) return 'a JPEG segment runs past the end of the file';
    if (isStartOfFrame(marker)) {
      if (length < 8) return 'the JPEG frame header is malformed';
      const height = b.readUInt16BE(pos + 5);
      const width = b.readUInt16BE(pos + 7);
      const components = b[pos + 9]!;
      if (width === 0 || height === 0) return 'the JPEG has an impossible size';
      if (components < 1 || components > 4 || length !== 8 + 3 * components) return 'the JPEG frame header is malformed';
      sawFrame = true;
    }
    if (marker === 0xda) {
      if (!sawFrame) return 'the JPEG has image data but no frame header';
      break;
    }
    pos += 2 + length;
  }
  return b.length >= 4 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9 ? null : 'the JPEG is incomplete (no end marker)';
}

/** RIFF size equal to the file size, chunks that tile the file exactly, and a real VP8/VP8L bitstream header. */
function checkWebp(b: Buffer): StructureProblem {
  if (b.length < 20) return 'the WebP is cut off';
  if (b.readUInt32LE(4) + 8 !== b.length) return 'the WebP size field does not match the file (truncated or padded)';
  let pos = 12;
  let first: string | null = null;
  let sawImage = false;
  while (pos < b.length) {
    if (pos + 8 > b.length) return 'a WebP chunk is cut off';
    const fourcc = b.toString('latin1', pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    const data = pos + 8;
    if (!/^[A-Z0-9 ]{4}$/i.test(fourcc)) return 'a WebP chunk has an invalid name';
    if (data + size > b.length) return 'a WebP chunk runs past the end of the file';
    first ??= fourcc;
    if (fourcc === 'VP8 ') {
      // Key frame: start code 9D 01 2A, then 14-bit width and height.
      if (size < 10 || b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return 'the WebP (lossy) bitstream header is invalid';
      if ((b.readUInt16LE(data + 6) & 0x3fff) === 0 || (b.readUInt16LE(data + 8) & 0x3fff) === 0) return 'the WebP has an impossible size';
      sawImage = true;
    } else if (fourcc === 'VP8L') {
      if (size < 5 || b[data] !== 0x2f) return 'the WebP (lossless) bitstream header is invalid';
      sawImage = true;
    } else if (fourcc === 'ANMF') sawImage = true;
    // Chunks are padded to an even size.
    pos = data + size + (size & 1);
  }
  if (pos !== b.length) return 'the WebP chunks do not fill the file';
  if (first !== 'VP8 ' && first !== 'VP8L' && first !== 'VP8X') return 'the WebP does not start with an image chunk';
  if (first === 'VP8X' && b.readUInt32LE(16) !== 10) return 'the WebP extended header is malformed';
  return sawImage ? null : 'the WebP has no image data';
}
