import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
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

/** The area's sections as a row of large tabs that scrolls sideways on a phone, the current one always in view. */
export function AreaNav({ tabs }: { tabs: Tab[] }) {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const ref = useRef<HTMLElement>(null);
  const [more, setMore] = useState({ left: false, right: false });
  const measure = useCallback(() => {
    const nav = ref.current;
    if (!nav) return;
    setMore({ left: nav.scrollLeft > 4, right: nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 4 });
  }, []);
  useEffect(() => {
    const nav = ref.current;
    const active = nav?.querySelector<HTMLElement>('.tab-active');
    if (nav && active) {
      // Centre the current tab by scrolling the row only (scrollIntoView would also move the page).
      const target = active.offsetLeft - (nav.clientWidth - active.offsetWidth) / 2;
      nav.scrollLeft = Math.max(0, Math.min(target, nav.scrollWidth - nav.clientWidth));
    }
    measure();
  }, [pathname, measure]);
  useEffect(() => {
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [measure]);
  return (
    <div className={`area-nav-wrap${more.left ? ' more-left' : ''}${more.right ? ' more-right' : ''}`}>
      <nav className="area-nav" aria-label={t('nav.menu')} ref={ref} onScroll={measure} data-testid="area-nav">
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }: { isActive: boolean }) => `tab${isActive ? ' tab-active' : ''}`}>
            {t(tab.label)}
          </NavLink>
        ))}
      </nav>
    </div>
  );
}
