import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { homeFor, logout, useUser } from '../api/auth';
import { useI18n, type MessageKey } from '../i18n';

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const user = useUser();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <div className="topbar-actions">
          <button type="button" className="btn btn-link" onClick={() => setLang(lang === 'id' ? 'en' : 'id')} data-testid="lang-switch">
            {t('lang.switch')}
          </button>
          {user ? (
            <>
              <Link to={homeFor(user)} className="btn btn-link">
                {t('nav.dashboard')}
              </Link>
              <button
                type="button"
                className="btn btn-link"
                data-testid="logout"
                onClick={() => {
                  void logout(queryClient).then(() => navigate('/'));
                }}
              >
                {t('nav.logout')}
              </button>
            </>
          ) : (
            <Link to="/login" className="btn btn-link">
              {t('nav.signin')}
            </Link>
          )}
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

export interface Tab {
  to: string;
  label: MessageKey;
  end?: boolean;
}

/** The area's sections as a row of large tabs that scrolls sideways on a phone. */
export function AreaNav({ tabs }: { tabs: Tab[] }) {
  const { t } = useI18n();
  return (
    <nav className="area-nav" aria-label={t('nav.menu')}>
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }: { isActive: boolean }) => `tab${isActive ? ' tab-active' : ''}`}>
          {t(tab.label)}
        </NavLink>
      ))}
    </nav>
  );
}
