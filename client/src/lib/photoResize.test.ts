import { describe, expect, it } from 'vitest';
import { fitWithin, MAX_UPLOAD_BYTES, preparePhoto, PhotoTooLargeError, type ImageCodec } from './photoResize';

const MB = 1024 * 1024;
const blob = (bytes: number, type: string) => new Blob([new Uint8Array(bytes)], { type });

/** A fake codec: bytes scale with pixels and quality; `webp` false plays a browser without a WebP encoder. */
function codec(width: number, height: number, opts: { webp?: boolean; bytesPerPixel?: number } = {}) {
  const calls: Array<{ width: number; height: number; type: string; quality: number }> = [];
  const c: ImageCodec<{ width: number; height: number }> = {
    decode: async () => ({ width, height }),
    encode: async (_img, w, h, type, quality) => {
      calls.push({ width: w, height: h, type, quality });
      const outType = type === 'image/webp' && opts.webp === false ? 'image/png' : type;
      return blob(Math.round(w * h * (opts.bytesPerPixel ?? 0.3) * quality), outType);
    },
  };
  return { c, calls };
}

describe('phone photos before upload', () => {
  it('fits the long side into 1600 px, keeping the shape, never enlarging', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it('sends a small photo untouched', async () => {
    const file = blob(300 * 1024, 'image/png');
    const { c, calls } = codec(800, 600);
    expect(await preparePhoto(file, c)).toBe(file);
    expect(calls).toHaveLength(0);
  });

  it('downscales a 12-megapixel phone photo (5 MB) to WebP under the 2 MB limit', async () => {
    const { c, calls } = codec(4000, 3000);
    const out = await preparePhoto(blob(5 * MB, 'image/jpeg'), c);
    expect(out.type).toBe('image/webp');
    expect(out.size).toBeLessThanOrEqual(MAX_UPLOAD_BYTES);
    expect(calls[0]).toMatchObject({ width: 1600, height: 1200 });
  });

  it('falls back to JPEG where the browser cannot write WebP', async () => {
    const { c } = codec(4000, 3000, { webp: false });
    expect((await preparePhoto(blob(5 * MB, 'image/jpeg'), c)).type).toBe('image/jpeg');
  });

  it('re-encodes a photo that is small in pixels but heavy in bytes', async () => {
    const { c, calls } = codec(1200, 900);
    const out = await preparePhoto(blob(3 * MB, 'image/png'), c);
    expect(out.size).toBeLessThanOrEqual(MAX_UPLOAD_BYTES);
    expect(calls[0]).toMatchObject({ width: 1200, height: 900 });
  });

  it('redraws a small HEIC photo as WebP (the server takes JPEG, PNG and WebP only)', async () => {
    const { c } = codec(1000, 750);
    expect((await preparePhoto(blob(400 * 1024, 'image/heic'), c)).type).toBe('image/webp');
  });

  it('lowers the quality step by step, then says clearly that it is still too large', async () => {
    const { c, calls } = codec(4000, 3000, { bytesPerPixel: 2 });
    await expect(preparePhoto(blob(9 * MB, 'image/jpeg'), c)).rejects.toBeInstanceOf(PhotoTooLargeError);
    expect(calls.map((x) => x.quality)).toEqual([0.85, 0.72, 0.6]);
  });
});
