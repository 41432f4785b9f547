import { Link } from 'react-router-dom';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { useMyShops } from './shopContext';

export function ShopsPage() {
  const { t } = useI18n();
  const shops = useMyShops();
  return (
    <section className="stack">
      <div className="row">
        <h1>{t('shops.title')}</h1>
        <Link to="/owner/shops/new" className="btn btn-primary" data-testid="new-shop">
          {t('shops.new')}
        </Link>
      </div>
      <QueryState query={shops} isEmpty={(p) => p.data.length === 0} empty={t('shops.empty')}>
        {(page) => (
          <ul className="list">
            {page.data.map((s) => (
              <li key={s.id} className="card">
                <Link to={`/owner/shops/${s.id}`} className="row-link">
                  <strong>{s.name}</strong>
                  <span className="muted">/s/{s.slug}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
