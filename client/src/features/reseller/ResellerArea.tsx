import { lazy } from 'react';
import { Route, Routes } from 'react-router-dom';
import { AreaNav, type Tab } from '../../components/Layout';
import { DiscoverPage } from './DiscoverPage';
import { LinksPage } from './LinksPage';
import { EarningsPage } from './EarningsPage';
import { LeaderboardPage } from './LeaderboardPage';
import { TeamPage } from './TeamPage';

// The stats page carries the chart: loaded when opened.
const MyStatsPage = lazy(() => import('./MyStatsPage'));

const TABS: Tab[] = [
  { to: '/reseller', label: 'nav.discover', end: true },
  { to: '/reseller/links', label: 'nav.links' },
  { to: '/reseller/earnings', label: 'nav.earnings' },
  { to: '/reseller/stats', label: 'nav.stats' },
  { to: '/reseller/leaderboard', label: 'nav.leaderboard' },
  { to: '/reseller/team', label: 'nav.team' },
];

export default function ResellerArea() {
  return (
    <>
      <AreaNav tabs={TABS} />
      <Routes>
        <Route index element={<DiscoverPage />} />
        <Route path="links" element={<LinksPage />} />
        <Route path="earnings" element={<EarningsPage />} />
        <Route path="stats" element={<MyStatsPage />} />
        <Route path="leaderboard" element={<LeaderboardPage />} />
        <Route path="team" element={<TeamPage />} />
      </Routes>
    </>
  );
}
