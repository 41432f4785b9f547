import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { Shop } from '../../api/types';
import { QueryState, type QueryLike } from '../../components/QueryState';
import { useI18n } from '../../i18n';

/**
 * The owner pages need a shop: while the list loads say so, when it fails offer a retry, and only
 * when it really is empty say "no shop yet" — never that while we simply do not know.
 */
export function ShopGate({ shops, shop, children }: { shops: QueryLike<unknown>; shop: Shop | null; children: (shop: Shop) => ReactNode }) {
  const { t } = useI18n();
  return (
    <QueryState query={shops}>
      {() =>
        shop ? (
          <>{children(shop)}</>
        ) : (
          <section className="stack" data-testid="no-shop">
            <p className="state">{t('dash.noShop')}</p>
            <Link to="/owner/shops/new" className="btn btn-primary btn-block">
              {t('dash.createShop')}
            </Link>
          </section>
        )
      }
    </QueryState>
  );
}
