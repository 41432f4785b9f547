import type { Readable } from 'node:stream';
import express, { type RequestHandler } from 'express';
import mongoose from 'mongoose';
import { PayloadTooLargeError, ValidationError } from './errors';
import { checkImageStructure } from './imageStructure';

/** Where presenters point photo URLs; GET /files/:id serves them. */
export const API_FILES_PATH = '/api/v1/files';
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
export const PHOTO_BUCKET = 'photos';

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

/** The image type by its first bytes — the file name and the Content-Type header are never trusted. */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

const rawImage = express.raw({ type: () => true, limit: MAX_PHOTO_BYTES });

/**
 * Reads the raw request body (any Content-Type: the bytes decide) up to 2 MB; a larger body is a 413
 * with a message an owner understands rather than the generic parser error.
 */
export const imageBody: RequestHandler = (req, res, next) => {
  rawImage(req, res, (err?: unknown) => {
    if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
      next(
        new PayloadTooLargeError('IMAGE_TOO_LARGE', 'The photo is larger than 2 MB; please send a smaller one (foto maksimal 2 MB)', [
          { path: 'body', message: 'must be at most 2 MB' },
        ]),
      );
      return;
    }
    next(err as Error | undefined);
  });
};

/**
 * The uploaded bytes and their type, or a 400 UNSUPPORTED_IMAGE naming the field: the type by its
 * magic bytes, then the file's structure, so a real header followed by junk is refused too.
 */
export function readImageUpload(body: unknown, field: string): { bytes: Buffer; contentType: ImageType } {
  const bytes = Buffer.isBuffer(body) ? body : null;
  const contentType = bytes && bytes.length > 0 ? sniffImageType(bytes) : null;
  if (!bytes || !contentType) {
    const message = bytes && bytes.length > 0 ? `${field} must be a JPEG, PNG or WebP image (checked by its content)` : `send the ${field} image bytes as the request body`;
    throw new ValidationError([{ path: 'body', message, code: 'unsupported_image' }], `${message} (foto harus JPEG, PNG atau WebP)`, 'UNSUPPORTED_IMAGE');
  }
  const problem = checkImageStructure(bytes, contentType);
  if (problem) {
    const message = `${field} must be a complete JPEG, PNG or WebP image: ${problem}`;
    throw new ValidationError([{ path: 'body', message, code: 'damaged_image' }], `${message} (foto rusak atau tidak lengkap)`, 'UNSUPPORTED_IMAGE');
  }
  return { bytes, contentType };
}

export interface PhotoMeta {
  shopId: string;
  uploadedBy: string;
  kind: 'product' | 'kit' | 'logo';
  contentType: ImageType;
}

function bucket(): mongoose.mongo.GridFSBucket {
  const db = mongoose.connection.db;
  if (!db) throw new mongoose.Error('not connected');
  // GridFS works on FerretDB v1 too (plain inserts/finds on photos.files and photos.chunks), so every instance serves every photo.
  return new mongoose.mongo.GridFSBucket(db, { bucketName: PHOTO_BUCKET });
}

export async function savePhoto(bytes: Buffer, meta: PhotoMeta): Promise<mongoose.Types.ObjectId> {
  const id = new mongoose.Types.ObjectId();
  await new Promise<void>((resolve, reject) => {
    const upload = bucket().openUploadStreamWithId(id, `${meta.kind}-${id.toHexString()}`, { metadata: meta });
    upload.once('error', reject);
    upload.once('finish', () => resolve());
    upload.end(bytes);
  });
  return id;
}

export interface StoredPhoto {
  id: string;
  contentType: string;
  length: number;
  uploadDate: Date;
  open(): Readable;
}

export async function findPhoto(id: string): Promise<StoredPhoto | null> {
  const oid = new mongoose.Types.ObjectId(id);
  const file = await bucket().find({ _id: oid }, { limit: 1 }).next();
  if (!file) return null;
  const contentType = (file.metadata as { contentType?: string } | undefined)?.contentType ?? 'application/octet-stream';
  return { id, contentType, length: file.length, uploadDate: file.uploadDate, open: () => bucket().openDownloadStream(oid) };
}

/** Best effort: an orphaned file wastes space but breaks nothing. */
export async function deletePhoto(id: mongoose.Types.ObjectId | string): Promise<void> {
  await bucket()
    .delete(new mongoose.Types.ObjectId(String(id)))
    .catch(() => undefined);
}
