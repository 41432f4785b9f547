import type mongoose from 'mongoose';
import { KeyPointer } from '../../db/keyPointer';
import { LinkModel, type LinkFields } from '../../models/Link';

export type LinkRow = LinkFields & { _id: mongoose.Types.ObjectId };

/**
 * Codes are never reassigned, so code → link id is memoized and pointed at by `_id`; the link
 * itself (active, shop, reseller, channel) is read by `_id` every time. The one way to resolve a
 * code: checkout's `ref`, the owner's recorded sale, and the redirect's cache loader can use it too.
 */
const linksByCode = new KeyPointer<LinkRow>({
  kind: 'link-code',
  byId: (id) => LinkModel.findById(id).lean<LinkRow>(),
  carries: (link, code) => link.code === code,
  scan: (code) => LinkModel.findOne({ code }).lean<LinkRow>(),
});

export function findLinkByCode(code: string): Promise<LinkRow | null> {
  return linksByCode.find(code);
}

/** Called by the creator once the link is stored. */
export function pointLinkCode(link: { _id: mongoose.Types.ObjectId; code: string }): Promise<void> {
  return linksByCode.point(link.code, link._id);
}

export function forgetLinkCodeMemo(): void {
  linksByCode.clearMemo();
}

/** Points every stored link's code (links made before pointers existed, or bulk-imported). */
export function backfillLinkCodes(): Promise<number> {
  return linksByCode.backfill(
    (async function* () {
      for await (const l of LinkModel.find({}, { code: 1 }).lean().cursor()) yield { key: l.code, id: l._id };
    })(),
  );
}
