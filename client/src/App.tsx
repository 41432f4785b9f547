import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useUser } from './api/auth';
import { Layout } from './components/Layout';
import { useI18n } from './i18n';
import { HomePage } from './features/public/HomePage';
import { ShopPage } from './features/public/ShopPage';
import { ProductPage } from './features/public/ProductPage';
import { OrderConfirmationPage } from './features/public/OrderConfirmationPage';
import { ReviewPage } from './features/public/ReviewPage';

// Signed-in areas load only when visited: the public product page is the one that must be fast on 3G.
const AuthPage = lazy(() => import('./features/auth/AuthPage'));
const OwnerArea = lazy(() => import('./features/owner/OwnerArea'));
const ResellerArea = lazy(() => import('./features/reseller/ResellerArea'));

function Loading() {
  const { t } = useI18n();
  return (
    <p className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" /> {t('common.loading')}
    </p>
  );
}

function RequireRole({ role, children }: { role: 'owner' | 'reseller'; children: ReactNode }) {
  const user = useUser();
  const location = useLocation();
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (user.role !== role && user.role !== 'admin') return <Navigate to={user.role === 'reseller' ? '/reseller' : '/owner'} replace />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useI18n();
  return <p className="state">{t('common.notFound')}</p>;
}

export function App() {
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="/s/:slug" element={<ShopPage />} />
          <Route path="/p/:productId" element={<ProductPage />} />
          <Route path="/p/:productId/review" element={<ReviewPage />} />
          <Route path="/order/:orderId" element={<OrderConfirmationPage />} />
          <Route path="/login" element={<AuthPage mode="signin" />} />
          <Route path="/register" element={<AuthPage mode="register" />} />
          <Route
            path="/owner/*"
            element={
              <RequireRole role="owner">
                <OwnerArea />
              </RequireRole>
            }
          />
          <Route
            path="/reseller/*"
            element={
              <RequireRole role="reseller">
                <ResellerArea />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
