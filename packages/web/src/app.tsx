/**
 * The shell: who is logged in (whoami), the navigation, and the page the URL names
 * (`pages.ts`'s table). Without a registered certificate the navigation offers the public
 * images only and a note says how to log in.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from './components/error-note.js';
import { LoginHint } from './components/login-hint.js';
import { pageFor } from './pages.js';
import { Link, useLocation } from './router.js';
import { loadSession, SessionContext, type Session } from './session.js';

export function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => {
    loadSession().then(setSession, setFailure);
  }, []);

  const page = pageFor(path);
  useEffect(() => {
    document.title = `${page.title} · Repoman`;
  }, [page.title]);

  if (failure !== null) return <main class="page"><ErrorNote error={failure} /></main>;
  if (session === null) return <main class="page" aria-busy="true"><p>Loading…</p></main>;
  const me = session.me;
  const current = (prefix: string) => (path === prefix || path.startsWith(prefix + '/') ? 'page' : undefined);
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="bar">
        <Link href="/images" class="brand">Repoman</Link>
        <nav aria-label="Main">
          <Link href="/images" aria-current={current('/images')}>Images</Link>
          {me && <Link href="/groups" aria-current={current('/groups')}>Groups</Link>}
          {me && <Link href="/imagelists" aria-current={current('/imagelists')}>Image lists</Link>}
          {me?.admin && <Link href="/users" aria-current={current('/users')}>Users</Link>}
          {me && <Link href="/me" aria-current={current('/me')}>{me.user_name}</Link>}
        </nav>
      </header>
      {!me && <LoginHint reason={session.reason} />}
      <main id="main" class="page" tabIndex={-1}>
        <page.component />
      </main>
    </SessionContext.Provider>
  );
}
