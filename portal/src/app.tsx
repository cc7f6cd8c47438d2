/** Sign-in with an API key, the role's views, sign-out, and the event stream's live indicator. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { apiClient, data, type Session } from './api/client';
import { openEventStream, type LedgerEvent, type StreamState } from './api/events';
import { ErrorNote } from './load';
import { forgetKey, storedKey, storeKey } from './session';
import { HouseholdView } from './views/home';
import { RoleView } from './views/roles';

const HOUSEHOLDS = new Set(['prosumer', 'consumer', 'battery-provider']);
const ROLE_NAMES: Record<string, string> = {
  prosumer: 'Prosumer',
  consumer: 'Consumer',
  'battery-provider': 'Battery provider',
  operator: 'Community operator',
  utility: 'Utility',
  regulator: 'Regulator',
  'meter-bridge': 'Meter bridge',
};
/** The most recent events kept for the views (each view reads what is new to it). */
const KEEP_EVENTS = 500;

export function App() {
  const [key, setKey] = useState(storedKey());
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<unknown>();
  const api = useMemo(() => (key ? apiClient(key) : undefined), [key]);

  useEffect(() => {
    if (!api) return;
    data(api.GET('/session')).then(setSession, (e: unknown) => {
      setError(e);
      forgetKey();
      setKey(undefined);
    });
  }, [api]);

  const signIn = (entered: string) => {
    setError(undefined);
    storeKey(entered);
    setKey(entered);
  };
  const signOut = () => {
    forgetKey();
    setKey(undefined);
    setSession(undefined);
  };

  if (!key || !api) return <SignIn onSignIn={signIn} error={error} />;
  if (!session)
    return (
      <main className="center">
        <p aria-busy="true">Signing in…</p>
      </main>
    );
  return <SignedIn apiKey={key} session={session} onSignOut={signOut} api={api} />;
}

function SignIn({ onSignIn, error }: { onSignIn(key: string): void; error: unknown }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onSignIn(value.trim());
  };
  return (
    <main className="center">
      <form className="card signin" onSubmit={submit}>
        <h1>GridLedger</h1>
        <p>Sign in with the API key your operator gave you. It stays in this browser tab only.</p>
        <label>
          API key
          <input type="password" autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
        <button type="submit">Sign in</button>
        {error !== undefined && <ErrorNote error={error} />}
      </form>
    </main>
  );
}

function SignedIn(props: { apiKey: string; session: Session; api: ReturnType<typeof apiClient>; onSignOut(): void }) {
  const { session } = props;
  const [events, setEvents] = useState<LedgerEvent[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  // How often the stream came back after a drop: the views read again what may have changed meanwhile.
  const [resumes, setResumes] = useState(0);
  useEffect(() => {
    let dropped = false;
    const onState = (state: StreamState) => {
      if (state === 'reconnecting') dropped = true;
      if (state === 'live' && dropped) {
        dropped = false;
        setResumes((n) => n + 1);
      }
      setStream(state);
    };
    const handle = openEventStream(props.apiKey, (e) => setEvents((list) => [...list, e].slice(-KEEP_EVENTS)), onState);
    return () => handle.close();
  }, [props.apiKey]);
  const role = session.role ?? '';
  return (
    <>
      <header className="top">
        <h1>GridLedger</h1>
        <span className="role" data-testid="role">
          {ROLE_NAMES[role] ?? role}
        </span>
        <span className="who">{session.participantId ?? session.userId}</span>
        <span className={`live ${stream}`} role="status" data-testid="stream">
          {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {HOUSEHOLDS.has(role) ? (
          <HouseholdView api={props.api} session={session} events={events} resumes={resumes} />
        ) : role === 'operator' || role === 'utility' || role === 'regulator' ? (
          <RoleView api={props.api} apiKey={props.apiKey} session={session} events={events} />
        ) : (
          <p className="card">This role has no view in the portal.</p>
        )}
      </main>
    </>
  );
}
