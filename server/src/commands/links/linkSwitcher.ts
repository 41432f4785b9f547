import type { EventBus } from '../../events/bus';
import { NotFoundError } from '../../lib/errors';
import { LinkModel, type LinkDoc } from '../../models/Link';

/** Turns a link on or off; the redirect caches (here and, via Redis, on other instances) drop it at once. */
export async function setLinkActive(link: LinkDoc, active: boolean, bus: EventBus): Promise<LinkDoc> {
  // A plain set (no guard, no counter): last writer wins, which is what a switch means.
  const updated = await LinkModel.findByIdAndUpdate(link._id, { $set: { active } }, { new: true });
  if (!updated) throw new NotFoundError('Link', 'LINK_NOT_FOUND');
  bus.emit('link', { linkId: String(updated._id), code: updated.code, shopId: String(updated.shopId), active: updated.active });
  return updated;
}
