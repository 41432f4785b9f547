/** The server refuses photos above 2 MB (server/src/lib/photoStore.ts MAX_PHOTO_BYTES). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
/** Long side after downscaling: sharp on a phone screen and in a marketplace listing, small on 3G. */
export const MAX_SIDE = 1600;
const QUALITIES = [0.85, 0.72, 0.6];
/** What the server stores (it checks the first bytes). */
export const SERVER_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export class PhotoTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`photo still ${bytes} bytes after resizing`);
    this.name = 'PhotoTooLargeError';
  }
}

export interface Decoded {
  width: number;
  height: number;
}

/** The browser's image machinery, passed in so the decisions below can be tested without a canvas. */
export interface ImageCodec<D extends Decoded> {
  decode(file: Blob): Promise<D>;
  /** Draws `image` at `width`×`height` and encodes it; resolves with the bytes the browser made. */
  encode(image: D, width: number, height: number, type: 'image/webp' | 'image/jpeg', quality: number): Promise<Blob>;
}

/** The size that fits within `max` on its long side, keeping the aspect ratio (never upscales). */
export function fitWithin(width: number, height: number, max = MAX_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A phone photo made fit for upload: one already small enough (both in pixels and bytes) goes as it
 * is; a larger one is redrawn at most 1600 px and encoded as WebP (JPEG where the browser cannot
 * write WebP), lowering the quality until it is under the server's limit — else PhotoTooLargeError.
 */
export async function preparePhoto<D extends Decoded>(file: Blob, codec: ImageCodec<D>, maxBytes = MAX_UPLOAD_BYTES): Promise<Blob> {
  const image = await codec.decode(file);
  const size = fitWithin(image.width, image.height);
  // HEIC and other formats the server does not take are redrawn even when small (where the browser can open them).
  const accepted = SERVER_TYPES.includes(file.type);
  if (accepted && size.width === image.width && size.height === image.height && file.size <= maxBytes) return file;
  let smallest: Blob | null = null;
  for (const quality of QUALITIES) {
    let out = await codec.encode(image, size.width, size.height, 'image/webp', quality);
    // Browsers without a WebP encoder silently hand back PNG: ask for JPEG instead.
    if (out.type !== 'image/webp') out = await codec.encode(image, size.width, size.height, 'image/jpeg', quality);
    if (out.size <= maxBytes) return out;
    if (!smallest || out.size < smallest.size) smallest = out;
  }
  throw new PhotoTooLargeError(smallest?.size ?? file.size);
}

/** The real codec: createImageBitmap (honours EXIF rotation) and a canvas. */
export const browserCodec: ImageCodec<ImageBitmap> = {
  decode: (file) => createImageBitmap(file, { imageOrientation: 'from-image' }),
  encode: (image, width, height, type, quality) =>
    new Promise((resolve, reject) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d');
      if (!ctx) return reject(new Error('no 2d canvas'));
      // JPEG has no transparency: a transparent PNG gets white, not black, behind it.
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encoding failed'))), type, quality);
    }),
};
