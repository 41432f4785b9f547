import mongoose from 'mongoose';
import type { ImageType } from './photoStore';

/**
 * Transfer-receipt photos hold bank details, so they live in their own GridFS bucket and are
 * served only to the claim's reseller and the shop's owner — never by the public /files route.
 */
const RECEIPT_BUCKET = 'receipts';

function bucket(): mongoose.mongo.GridFSBucket {
  const db = mongoose.connection.db;
  if (!db) throw new mongoose.Error('not connected');
  return new mongoose.mongo.GridFSBucket(db, { bucketName: RECEIPT_BUCKET });
}

export async function saveReceipt(bytes: Buffer, contentType: ImageType, claimId: string): Promise<mongoose.Types.ObjectId> {
  const id = new mongoose.Types.ObjectId();
  await new Promise<void>((resolve, reject) => {
    const upload = bucket().openUploadStreamWithId(id, `receipt-${claimId}`, { metadata: { claimId, contentType } });
    upload.once('error', reject);
    upload.once('finish', () => resolve());
    upload.end(bytes);
  });
  return id;
}

export async function readReceipt(id: mongoose.Types.ObjectId): Promise<{ bytes: Buffer; contentType: string } | null> {
  const file = await bucket().find({ _id: id }).next();
  if (!file) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of bucket().openDownloadStream(id)) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), contentType: String((file.metadata as { contentType?: string } | undefined)?.contentType ?? 'application/octet-stream') };
}
