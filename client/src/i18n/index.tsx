import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { id, type MessageKey, type Messages } from './id';
import { en } from './en';

export type Lang = 'id' | 'en';
const CATALOGS: Record<Lang, Messages> = { id, en };
const LANG_KEY = 'tular.lang';

export type Params = Record<string, string | number>;

/** Fills `{name}` placeholders; unknown placeholders stay visible so a missing param is noticed. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  return interpolate(CATALOGS[lang][key] ?? id[key], params);
}

export type T = (key: MessageKey, params?: Params) => string;

interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: T;
  /** BCP 47 locale for Intl formatters. */
  locale: string;
}

const I18nContext = createContext<I18nValue | null>(null);

function initialLang(): Lang {
  try {
    return globalThis.localStorage?.getItem(LANG_KEY) === 'en' ? 'en' : 'id';
  } catch {
    return 'id';
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      globalThis.localStorage?.setItem(LANG_KEY, next);
    } catch {
      // Not persisted; the switch still applies to this tab.
    }
  }, []);
  // Screen readers and the browser's translate offer follow the page language.
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18nValue>(
    () => ({ lang, setLang, t: (key, params) => translate(lang, key, params), locale: lang === 'id' ? 'id-ID' : 'en-GB' }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

export type { MessageKey };
