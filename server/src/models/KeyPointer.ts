import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * `_id` = `<kind>:<natural key>` (a link's code, a membership's shop and reseller) → the target's
 * `_id`. FerretDB's SQLite backend answers only `_id` equality from an index, so the hot paths find
 * a link by code or a membership by its pair through this document instead of a filter that scans
 * the whole collection. Written when the target is created; a missing or wrong pointer is repaired
 * on the next lookup (see db/keyPointer), so it never has to be trusted blindly.
 */
const keyPointerSchema = new Schema(
  {
    _id: { type: String, required: true },
    target: { type: Schema.Types.ObjectId, required: true },
  },
  { versionKey: false },
);

export type KeyPointerFields = InferSchemaType<typeof keyPointerSchema>;
export const KeyPointerModel = mongoose.model('KeyPointer', keyPointerSchema, 'key_pointers');
