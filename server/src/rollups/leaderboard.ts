import type { LeaderboardEntry, Segment } from '@tular/shared';
import { UserModel } from '../models/User';
import { emptyCounts, type RollupCounts } from '../models/Rollup';
import { readRollups } from './rollupReader';

export const PUBLIC_LEADERBOARD_TITLE = 'Pahlawan Digital UMKM';

interface Ranked {
  resellerId: string;
  counts: RollupCounts;
}

/** Resellers ranked by sales (orders), then units, then revenue; ties keep a stable order by id. */
function rank(buckets: Array<{ key: string } & RollupCounts>): Ranked[] {
  const by = new Map<string, RollupCounts>();
  for (const b of buckets) {
    let c = by.get(b.key);
    if (!c) {
      c = emptyCounts();
      by.set(b.key, c);
    }
    for (const k of Object.keys(c) as Array<keyof RollupCounts>) c[k] += b[k];
  }
  return [...by.entries()]
    .map(([resellerId, counts]) => ({ resellerId, counts }))
    .filter((r) => r.counts.orders > 0)
    .sort((a, b) => b.counts.orders - a.counts.orders || b.counts.units - a.counts.units || b.counts.revenue - a.counts.revenue || a.resellerId.localeCompare(b.resellerId));
}

/** The month's day buckets, by local label (`2026-11-01` ≤ period < `2026-11-32`). */
const monthPeriods = (month: string): { periodFrom: string; periodTo: string } => ({ periodFrom: `${month}-01`, periodTo: `${month}-32` });

/** "Rina Kartika Sari" → "Rina K." — the public board shows who, not their full name. */
export function publicName(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return parts[0] ?? 'Reseller';
  return `${parts[0]} ${parts[parts.length - 1]!.charAt(0).toUpperCase()}.`;
}

/** A shop's board for a month: money shown (owners and members of that shop see it). */
export async function shopLeaderboard(shopId: string, month: string, limit: number, segments: Map<string, Segment>): Promise<LeaderboardEntry[]> {
  const ranked = rank(await readRollups({ scope: 'reseller', granularity: 'day', shopId, ...monthPeriods(month) })).slice(0, limit);
  const users = await UserModel.find({ _id: { $in: ranked.map((r) => r.resellerId) } }, { name: 1, segment: 1 }).lean();
  const byId = new Map(users.map((u) => [String(u._id), u]));
  return ranked.map((r, i) => ({
    rank: i + 1,
    resellerId: r.resellerId,
    name: byId.get(r.resellerId)?.name ?? 'Reseller',
    segment: segments.get(r.resellerId) ?? (byId.get(r.resellerId)?.segment as Segment | undefined) ?? null,
    orders: r.counts.orders,
    units: r.counts.units,
    revenue: r.counts.revenue,
    commission: r.counts.commission,
    clicks: r.counts.clicks,
  }));
}

/** The platform-wide board: counts only, opted-out resellers left out (and not counted in ranks). */
export async function publicLeaderboard(month: string, limit: number): Promise<LeaderboardEntry[]> {
  const ranked = rank(await readRollups({ scope: 'reseller', granularity: 'day', ...monthPeriods(month) }));
  const entries: LeaderboardEntry[] = [];
  for (let i = 0; i < ranked.length && entries.length < limit; i += 200) {
    const chunk = ranked.slice(i, i + 200);
    const users = await UserModel.find({ _id: { $in: chunk.map((r) => r.resellerId) }, role: 'reseller' }, { name: 1, segment: 1, leaderboardOptOut: 1 }).lean();
    const byId = new Map(users.map((u) => [String(u._id), u]));
    for (const r of chunk) {
      const u = byId.get(r.resellerId);
      if (!u || u.leaderboardOptOut) continue;
      entries.push({
        rank: entries.length + 1,
        resellerId: r.resellerId,
        name: publicName(u.name),
        segment: (u.segment as Segment | undefined) ?? null,
        orders: r.counts.orders,
        units: r.counts.units,
      });
      if (entries.length >= limit) break;
    }
  }
  return entries;
}
