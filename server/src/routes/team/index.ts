import { z } from 'zod';
import type { Types } from 'mongoose';
import { DEFAULT_TIMEZONE, TeamListQuerySchema, TeamMemberSchema, type Segment, type TeamMember } from '@tular/shared';
import type { ApiRouter } from '../../lib/apiRouter';
import { ListResult } from '../../lib/apiRouter';
import type { AppDeps } from '../../appDeps';
import { idCursorFilter, pageOf } from '../../lib/idCursor';
import { UserModel } from '../../models/User';
import { emptyCounts, type RollupCounts } from '../../models/Rollup';
import { readRollups } from '../../rollups/rollupReader';
import { monthRange } from '../../rollups/buckets';

interface DownlineRow {
  _id: Types.ObjectId;
  name: string;
  segment?: string | null;
  createdAt?: Date;
}

/** A downline member as their upline may see them: no email, no phone. */
function presentTeamMember(m: DownlineRow, counts: RollupCounts, month: string): TeamMember {
  return {
    id: String(m._id),
    name: m.name,
    segment: (m.segment as Segment | null | undefined) ?? null,
    joinedAt: (m.createdAt ?? m._id.getTimestamp()).toISOString(),
    month: { label: month, orders: counts.orders, revenue: counts.revenue, commission: counts.commission },
  };
}

export function registerTeamRoutes(api: ApiRouter, _deps: AppDeps): void {
  api.add({
    method: 'get',
    path: '/me/team',
    summary: "The signed-in reseller's direct downline (invited by them), newest first, with this month's sales from the rollups",
    tags: ['team'],
    access: ['reseller'],
    query: TeamListQuerySchema,
    response: z.array(TeamMemberSchema),
    handler: async ({ user, query }) => {
      // Only the direct downline: the team reward is two tiers, so deeper levels earn this reseller nothing.
      const rows = await UserModel.find({ uplineId: user.id, role: 'reseller', ...idCursorFilter(query.cursor) }, { name: 1, segment: 1, createdAt: 1 })
        .sort({ _id: -1 })
        .limit(query.limit + 1)
        .lean();
      const { rows: members, page } = pageOf(rows, query.limit);
      const month = monthRange(new Date(), DEFAULT_TIMEZONE).label;
      // One indexed read of this page's reseller day buckets (every shop, every writer), summed here.
      const buckets = members.length
        ? await readRollups({ scope: 'reseller', granularity: 'day', keys: members.map((m) => String(m._id)), periodFrom: `${month}-01`, periodTo: `${month}-32` })
        : [];
      const byMember = new Map<string, RollupCounts>();
      for (const b of buckets) {
        const counts = byMember.get(b.key) ?? emptyCounts();
        counts.orders += b.orders;
        counts.revenue += b.revenue;
        counts.commission += b.commission;
        byMember.set(b.key, counts);
      }
      const data = members.map((m) => presentTeamMember(m, byMember.get(String(m._id)) ?? emptyCounts(), month));
      return new ListResult(data, page);
    },
  });
}
