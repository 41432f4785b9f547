import mongoose, { Schema } from 'mongoose';
import { useTestDatabase } from '../../test/harness';
import { withWriteLock } from './writeLock';
import { failureReason } from './engine';

useTestDatabase();

const stockSchema = new Schema({ shopId: String, sku: String, stock: Number, sold: { type: Number, default: 0 } });
stockSchema.index({ shopId: 1, sku: 1 }, { unique: true });
const Stock = mongoose.model('EngineProbeStock', stockSchema);

describe(`the database engine (${process.env.TULAR_TEST_DB_KIND})`, () => {
  it('builds compound unique indexes and enforces them', async () => {
    await Stock.createCollection().catch(() => undefined);
    await Stock.createIndexes();
    const indexes = await Stock.collection.indexes();
    expect(indexes.some((i) => i.unique && i.key.shopId === 1 && i.key.sku === 1)).toBe(true);
    await Stock.create({ shopId: 's1', sku: 'keripik', stock: 5 });
    await expect(Stock.create({ shopId: 's1', sku: 'keripik', stock: 9 })).rejects.toMatchObject({ code: 11000 });
    await Stock.create({ shopId: 's2', sku: 'keripik', stock: 1 });
    expect(await Stock.countDocuments({ sku: 'keripik' })).toBe(2);
  });

  it('applies a guarded findOneAndUpdate with $inc exactly under a race (never oversells)', async () => {
    await Stock.create({ shopId: 's3', sku: 'sambal', stock: 5 });
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () =>
        withWriteLock('stock:s3:sambal', () =>
          Stock.findOneAndUpdate({ shopId: 's3', sku: 'sambal', stock: { $gte: 1 } }, { $inc: { stock: -1, sold: 1 } }, { new: true }),
        ),
      ),
    );
    expect(attempts.filter(Boolean)).toHaveLength(5);
    const after = await Stock.findOne({ shopId: 's3', sku: 'sambal' }).lean();
    expect(after).toMatchObject({ stock: 0, sold: 5 });
  });

  it('upserts counters with $inc (the rollup pattern)', async () => {
    const coll = mongoose.connection.db!.collection('engine_probe_rollups');
    await Promise.all(
      Array.from({ length: 10 }, () => withWriteLock('rollup', () => coll.updateOne({ _id: 'shop:1:2026-11-22' as never }, { $inc: { clicks: 1, 'byChannel.whatsapp': 2 } }, { upsert: true }))),
    );
    const doc = await coll.findOne({ _id: 'shop:1:2026-11-22' as never });
    expect(doc).toMatchObject({ clicks: 10, byChannel: { whatsapp: 20 } });
  });
});

describe('engine start-up failures', () => {
  it('keeps the reason mongodb-memory-server gives after "Details:" and drops stack frames', () => {
    const err = new Error(
      'Download failed for url "https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-debian12-8.2.6.tgz", Details:\ngetaddrinfo ENOTFOUND fastdl.mongodb.org\n    at RedirectableRequest.<anonymous> (MongoBinaryDownload.ts:680:16)',
    );
    expect(failureReason(err)).toBe(
      'Download failed for url "https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-debian12-8.2.6.tgz", Details: getaddrinfo ENOTFOUND fastdl.mongodb.org',
    );
    expect(failureReason(new Error('x'.repeat(2000))).length).toBe(600);
    expect(failureReason('plain')).toBe('plain');
  });
});
