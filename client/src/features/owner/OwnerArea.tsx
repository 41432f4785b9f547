import { lazy } from 'react';
import { Route, Routes } from 'react-router-dom';
import { AreaNav, type Tab } from '../../components/Layout';
import { ShopsPage } from './ShopsPage';
import { ShopEditPage, ShopNewPage } from './ShopEditPage';
import { ProductEditPage, ProductNewPage } from './ProductEditPage';
import { ResellersPage } from './ResellersPage';
import { OrdersPage } from './OrdersPage';
import { PayoutsPage } from './PayoutsPage';
import { SettingsPage } from './SettingsPage';

// The dashboard and report carry the chart and the socket client: loaded only when opened.
const DashboardPage = lazy(() => import('./DashboardPage'));
const ReportPage = lazy(() => import('./ReportPage'));

const TABS: Tab[] = [
  { to: '/owner', label: 'nav.dashboard', end: true },
  { to: '/owner/shops', label: 'nav.shops' },
  { to: '/owner/orders', label: 'nav.orders' },
  { to: '/owner/resellers', label: 'nav.resellers' },
  { to: '/owner/payouts', label: 'nav.payouts' },
  { to: '/owner/report', label: 'nav.report' },
  { to: '/owner/settings', label: 'nav.settings' },
];

export default function OwnerArea() {
  return (
    <>
      <AreaNav tabs={TABS} />
      <Routes>
        <Route index element={<DashboardPage />} />
        <Route path="shops" element={<ShopsPage />} />
        <Route path="shops/new" element={<ShopNewPage />} />
        <Route path="shops/:shopId" element={<ShopEditPage />} />
        <Route path="shops/:shopId/products/new" element={<ProductNewPage />} />
        <Route path="products/:productId" element={<ProductEditPage />} />
        <Route path="resellers" element={<ResellersPage />} />
        <Route path="orders" element={<OrdersPage />} />
        <Route path="payouts" element={<PayoutsPage />} />
        <Route path="report" element={<ReportPage />} />
        <Route path="settings" element={<SettingsPage />} />
      </Routes>
    </>
  );
}
