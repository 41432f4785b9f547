import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { SEGMENTS, type Segment } from '@tular/shared';
import { homeFor, login, register } from '../../api/auth';
import { FormError, TextField } from '../../components/Field';
import { useSubmit } from '../../hooks/useForm';
import { useI18n } from '../../i18n';

export default function AuthPage({ mode }: { mode: 'signin' | 'register' }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const invite = search.get('invite')?.trim() || undefined;
  const next = search.get('next');
  const [role, setRole] = useState<'owner' | 'reseller'>(invite || search.get('role') === 'reseller' ? 'reseller' : 'owner');
  const [segment, setSegment] = useState<Segment | ''>('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const form = useSubmit(
    () =>
      mode === 'signin'
        ? login({ email, password })
        : register({
            name,
            email,
            phone,
            password,
            role,
            ...(role === 'reseller' && segment ? { segment } : {}),
            ...(role === 'reseller' && invite ? { invite } : {}),
          }),
    (session) => navigate(next && next.startsWith('/') ? next : homeFor(session.user), { replace: true }),
  );
  const e = form.fieldErrors;
  const registering = mode === 'register';
  return (
    <form className="stack card auth" onSubmit={form.submit} noValidate data-testid={`${mode}-form`}>
      <h1>{registering ? t('auth.registerTitle') : t('auth.signinTitle')}</h1>
      {registering ? (
        <>
          <fieldset className="choice">
            <legend>{t('auth.role')}</legend>
            {(['owner', 'reseller'] as const).map((r) => (
              <label key={r} className={`choice-card${role === r ? ' selected' : ''}`}>
                <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} />
                <span>{r === 'owner' ? t('auth.roleOwner') : t('auth.roleReseller')}</span>
              </label>
            ))}
          </fieldset>
          {role === 'reseller' ? (
            <fieldset className={`choice${e.segment ? ' field-invalid' : ''}`}>
              <legend>{t('auth.segment')}</legend>
              {SEGMENTS.map((s) => (
                <label key={s} className={`choice-card${segment === s ? ' selected' : ''}`}>
                  <input type="radio" name="segment" value={s} checked={segment === s} onChange={() => setSegment(s)} />
                  <span>{t(`auth.segment.${s}`)}</span>
                </label>
              ))}
              {e.segment ? (
                <small className="field-error" role="alert">
                  {e.segment}
                </small>
              ) : null}
            </fieldset>
          ) : null}
          {role === 'reseller' && invite ? <p className="note">{t('auth.invitedBy', { code: invite })}</p> : null}
          {e.invite ? <p className="field-error">{e.invite}</p> : null}
          <TextField label={t('auth.name')} name="name" autoComplete="name" value={name} onChange={(ev) => setName(ev.target.value)} error={e.name} />
          <TextField
            label={t('auth.phone')}
            name="phone"
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            value={phone}
            onChange={(ev) => setPhone(ev.target.value)}
            error={e.phone}
            hint={t('checkout.phoneHint')}
          />
        </>
      ) : null}
      <TextField label={t('auth.email')} name="email" type="email" autoComplete="email" value={email} onChange={(ev) => setEmail(ev.target.value)} error={e.email} />
      <TextField
        label={t('auth.password')}
        name="password"
        type="password"
        autoComplete={registering ? 'new-password' : 'current-password'}
        value={password}
        onChange={(ev) => setPassword(ev.target.value)}
        error={e.password}
        hint={registering ? t('auth.passwordHint') : undefined}
      />
      <FormError message={form.formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={form.busy} data-testid="auth-submit">
        {registering ? t('auth.submitRegister') : t('auth.submitSignin')}
      </button>
      <Link to={registering ? '/login' : '/register'} className="btn btn-link">
        {registering ? t('auth.toSignin') : t('auth.toRegister')}
      </Link>
    </form>
  );
}
