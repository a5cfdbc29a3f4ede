import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, get, onRefused, storedToken, storeToken, type AsOf, type Head, type LedgerEvent, type RecordPage, type Ref } from './api.js';
import { href, type PageProps, type Route, useData, useRoute } from './route.js';
import { GraphView } from './graph.js';
import './style.css';

// Text from the ledger only ever goes in as JSX text (escaped), never as HTML.

function Problem({ error }: { error: Error }) {
  return (
    <p class="problem" role="alert">
      {error instanceof ApiError ? <code>{error.code}</code> : null} {error.message}
    </p>
  );
}

function KindBadge({ kind }: { kind: string }) {
  return <span class={`badge ${kind}`}>{kind}</span>;
}

function RefLink({ r, asOf }: { r: Ref; asOf?: string }) {
  return (
    <a href={href('record', r.id, { asOf })} class="ref">
      <KindBadge kind={r.kind} /> <span class="label">{r.label}</span>
      {r.detail ? <span class="detail"> · {r.detail}</span> : null}
    </a>
  );
}

const NAV: [string, string][] = [
  ['search', 'Search'],
  ['log', 'Log'],
  ['verify', 'Verify'],
];

/** The snapshot picker on every page: a slider over seqs, and a box for a seq or an ISO time. */
function TimeBar({ route, head, shown }: { route: Route; head?: Head; shown?: AsOf }) {
  const asOf = route.params.get('asOf') ?? '';
  const max = head?.seq ?? 0;
  const [text, setText] = useState(asOf);
  const [slide, setSlide] = useState<number | undefined>(undefined);
  useEffect(() => {
    setText(asOf);
    setSlide(undefined);
  }, [asOf]);
  const go = (v: string) => {
    const p = new URLSearchParams(route.params);
    if (v) p.set('asOf', v);
    else p.delete('asOf');
    location.hash = href(route.page, route.id, Object.fromEntries(p));
  };
  const current = slide ?? (shown?.seq ?? max);
  return (
    <form
      class="timebar"
      aria-label="time travel"
      onSubmit={(e) => {
        e.preventDefault();
        go(text.trim());
      }}
    >
      <label for="asof-slider">As of seq</label>
      <input
        id="asof-slider"
        type="range"
        min={1}
        max={Math.max(max, 1)}
        value={current}
        disabled={max === 0}
        onInput={(e) => setSlide(Number((e.target as HTMLInputElement).value))}
        onChange={(e) => {
          const v = Number((e.target as HTMLInputElement).value);
          go(v >= max ? '' : String(v));
        }}
      />
      <output for="asof-slider" class="seq">{current} / {max}</output>
      <label for="asof-text">seq or time</label>
      <input id="asof-text" type="text" placeholder="e.g. 12 or 2026-11-20T14:00Z" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <button type="submit">Go</button>
      <button type="button" onClick={() => go('')} disabled={!asOf}>
        Now
      </button>
      <span class="when" aria-live="polite">
        {shown ? (asOf ? `showing seq ${shown.seq}${shown.at ? ` · ${shown.at}` : ''}` : `live head · seq ${shown.seq}`) : ''}
      </span>
    </form>
  );
}

function SearchPage({ route, onAsOf }: PageProps) {
  const asOf = route.params.get('asOf') ?? undefined;
  const [q, setQ] = useState(route.params.get('q') ?? '');
  // Asked once typing pauses (150 ms): a burst of keys is one request, not one per key.
  const [asked, setAsked] = useState(q);
  useEffect(() => {
    if (q === asked) return;
    const t = setTimeout(() => setAsked(q), 150);
    return () => clearTimeout(t);
  }, [q]);
  const { data, error } = useData(`search ${asked} ${asOf}`, () => get<{ asOf: AsOf; hits: Ref[] }>('search', { q: asked, asOf }));
  useEffect(() => data && onAsOf(data.asOf), [data]);
  return (
    <section>
      <h1>Search</h1>
      <label for="q" class="block">
        A file, run or transform: name, id or hash
      </label>
      <input
        id="q"
        type="search"
        autofocus
        value={q}
        autocomplete="off"
        onInput={(e) => {
          const v = (e.target as HTMLInputElement).value;
          setQ(v);
          history.replaceState(null, '', href('search', undefined, { q: v, asOf }));
        }}
      />
      {error ? <Problem error={error} /> : null}
      <ul class="hits" aria-label="results">
        {data?.hits.map((h) => (
          <li key={h.id}>
            <RefLink r={h} asOf={asOf} />
          </li>
        ))}
      </ul>
      {asked && data && data.hits.length === 0 ? <p class="muted">Nothing matches at seq {data.asOf.seq}.</p> : null}
    </section>
  );
}

function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

function Fields({ fields }: { fields: [string, string][] }) {
  return (
    <dl class="fields">
      {fields.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v}</dd>])}
    </dl>
  );
}

function Events({ events }: { events: LedgerEvent[] }) {
  return (
    <table class="events">
      <thead>
        <tr>
          <th scope="col">seq</th>
          <th scope="col">time</th>
          <th scope="col">type</th>
          <th scope="col">data</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq}>
            <td>{e.seq}</td>
            <td>{e.at}</td>
            <td>{e.type}</td>
            <td>
              <code>{JSON.stringify(e.data)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RecordView({ route, onAsOf }: PageProps) {
  const asOf = route.params.get('asOf') ?? undefined;
  const id = route.id ?? '';
  const { data, error } = useData(`record ${id} ${asOf}`, () => get<{ asOf: AsOf; record: RecordPage }>(`record/${encodeURIComponent(id)}`, { asOf }));
  useEffect(() => data && onAsOf(data.asOf), [data]);
  if (error) return <Problem error={error} />;
  if (!data) return <p class="muted">Loading…</p>;
  const r = data.record;
  return (
    <section>
      <h1>
        <KindBadge kind={r.kind} /> <span class="title">{r.title}</span>
      </h1>
      <p class="muted">{r.summary}</p>
      <p>
        <a class="button" href={href('graph', r.id, { asOf, direction: 'up' })}>
          Lineage graph
        </a>
      </p>
      <div class="columns">
        <div>
          <h2>Fields</h2>
          <Fields fields={r.fields} />
          {r.params !== undefined ? (
            <>
              <h2>Params</h2>
              <Json value={r.params} />
            </>
          ) : null}
          {r.environment !== undefined ? (
            <>
              <h2>Environment</h2>
              <Json value={r.environment} />
            </>
          ) : null}
        </div>
        <div>
          <h2>Relations</h2>
          {r.relations.map((rel) => (
            <div key={rel.name} class="relation">
              <h3>{rel.name}</h3>
              {rel.records.length ? (
                <ul>
                  {rel.records.map((x) => (
                    <li key={x.id}>
                      <RefLink r={x} asOf={asOf} />
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="muted">none</p>
              )}
            </div>
          ))}
        </div>
      </div>
      <h2>History</h2>
      <Events events={r.history} />
    </section>
  );
}

const EVENT_TYPES = ['transform.registered', 'run.started', 'run.finished', 'file.created', 'file.recreated', 'file.loaded_as_input', 'openlineage.linked', 'openlineage.imported'];

function LogPage({ route, onAsOf }: PageProps) {
  const p = route.params;
  const asOf = p.get('asOf') ?? undefined;
  const from = p.get('from') ?? '1';
  const types = p.get('types') ?? '';
  const since = p.get('since') ?? '';
  const until = p.get('until') ?? '';
  const { data, error } = useData(`log ${from} ${types} ${since} ${until} ${asOf}`, () =>
    get<{ asOf: AsOf; events: LedgerEvent[]; next?: number }>('log', { from, types, since, until, asOf, limit: 50 }),
  );
  useEffect(() => data && onAsOf(data.asOf), [data]);
  const nav = (over: Record<string, string | undefined>) => (location.hash = href('log', undefined, { from, types, since, until, asOf, ...over }));
  const chosen = new Set(types.split(',').filter(Boolean));
  return (
    <section>
      <h1>Log</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          nav({ from: '1', types: f.getAll('type').join(','), since: String(f.get('since') ?? ''), until: String(f.get('until') ?? '') });
        }}
      >
        <fieldset>
          <legend>Event types</legend>
          {EVENT_TYPES.map((t) => (
            <label key={t} class="check">
              <input type="checkbox" name="type" value={t} checked={chosen.has(t)} /> {t}
            </label>
          ))}
        </fieldset>
        <label>
          since <input name="since" type="text" placeholder="ISO time" value={since} />
        </label>
        <label>
          until <input name="until" type="text" placeholder="ISO time" value={until} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error ? <Problem error={error} /> : null}
      {data ? <Events events={data.events} /> : <p class="muted">Loading…</p>}
      <p class="pager">
        {Number(from) > 1 ? (
          <button type="button" onClick={() => nav({ from: '1' })}>
            First page
          </button>
        ) : null}
        {data?.next ? (
          <button type="button" onClick={() => nav({ from: String(data.next) })}>
            Next page (from seq {data.next})
          </button>
        ) : null}
      </p>
    </section>
  );
}

interface Verdict { ok: boolean; events: number; head: { seq: number; hash: string }; firstBad?: { seq: number; reason: string } }

function VerifyPage() {
  const [progress, setProgress] = useState<{ done: number; total?: number }>();
  const [verdict, setVerdict] = useState<Verdict>();
  const [error, setError] = useState<string>();
  const [running, setRunning] = useState(false);
  const run = async () => {
    setRunning(true);
    setVerdict(undefined);
    setError(undefined);
    setProgress({ done: 0 });
    try {
      const res = await call('/api/ui/v1/verify', { accept: 'application/x-ndjson' });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          if (!l) continue;
          const m = JSON.parse(l) as { type: string } & Verdict & { done: number; total?: number; message?: string };
          if (m.type === 'progress') setProgress({ done: m.done, total: m.total });
          else if (m.type === 'verdict') setVerdict(m);
          else setError(m.message);
        }
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section>
      <h1>Verify</h1>
      <p>Walks the whole hash chain over the stored bytes: every event's hash, every link, no gaps.</p>
      <button type="button" onClick={run} disabled={running}>
        {running ? 'Verifying…' : 'Verify the log'}
      </button>
      {progress ? (
        <p>
          <label for="verify-progress">checked</label> <progress id="verify-progress" max={progress.total ?? 1} value={progress.done} /> {progress.done}
          {progress.total ? ` of ${progress.total}` : ''} events
        </p>
      ) : null}
      {verdict ? (
        <div class={`verdict ${verdict.ok ? 'ok' : 'bad'}`} role="status">
          <strong>{verdict.ok ? 'Intact' : 'Tampered or damaged'}</strong>: {verdict.events} events checked, head seq {verdict.head.seq} <code>{verdict.head.hash}</code>
          {verdict.firstBad ? (
            <p>
              first bad event: seq {verdict.firstBad.seq}: {verdict.firstBad.reason}
            </p>
          ) : null}
        </div>
      ) : null}
      {error ? <p class="problem" role="alert">{error}</p> : null}
    </section>
  );
}


/**
 * The sign-in of a server started with --token-file: the token goes into this tab's sessionStorage
 * and every request's Authorization header, never into the URL. Shown whenever the server answers 401.
 */
function SignIn({ message, onSignedIn }: { message: string; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string>();
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), [message]);
  return (
    <section class="signin">
      <h1>Sign in</h1>
      <p role="alert" class="notice">
        {message}
      </p>
      <p class="muted">
        Paste the token of this server (the contents of the file given to <code>lineage serve --token-file</code>). It is kept in this tab only, until
        the tab is closed, and sent as <code>Authorization: Bearer</code>; it never goes into the address.
      </p>
      <form
        method="post"
        onSubmit={async (e) => {
          e.preventDefault();
          const t = token.trim();
          if (!t) {
            setProblem('Enter the token first.');
            return;
          }
          setChecking(true);
          setProblem(undefined);
          storeToken(t);
          try {
            await get<Head>('head');
            setToken('');
            onSignedIn();
          } catch (err) {
            // A 401 comes back through onRefused with its own message; anything else is said here.
            if (!(err instanceof ApiError && err.code === 'UNAUTHORIZED')) setProblem((err as Error).message);
          } finally {
            setChecking(false);
          }
        }}
      >
        <label for="token" class="block">
          Token
        </label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} value={token} ref={field} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />{' '}
        <button type="submit" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {problem ? <p class="problem">{problem}</p> : null}
    </section>
  );
}

function App() {
  const route = useRoute();
  const [shown, setShown] = useState<AsOf>();
  // Why the server wants a token, while it does; and a counter that reloads every page after sign-in.
  const [refused, setRefused] = useState<string>();
  const [session, setSession] = useState(0);
  useEffect(
    () =>
      onRefused((message) => {
        storeToken(undefined);
        setRefused(message);
      }),
    [],
  );
  // A new page moves the focus to its content, so that keyboard and screen reader users start
  // there rather than at the top of the document (the first page keeps its own focus: the search box).
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current) document.getElementById('main')?.focus();
    opened.current = true;
  }, [route.page, route.id]);
  const { data: head } = useData(`head ${route.page} ${route.id} ${route.params.get('asOf')} ${session}`, () => get<Head>('head'));
  const asOf = route.params.get('asOf') ?? undefined;
  const props = { route, onAsOf: setShown };
  const page =
    route.page === 'record' ? <RecordView {...props} /> : route.page === 'graph' ? <GraphView {...props} /> : route.page === 'log' ? <LogPage {...props} /> : route.page === 'verify' ? <VerifyPage /> : <SearchPage {...props} />;
  const signedIn = refused === undefined && storedToken() !== undefined;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">lineage-ledger</span>
        <nav aria-label="pages">
          {NAV.map(([p, label]) => (
            <a key={p} href={href(p, undefined, { asOf })} aria-current={route.page === p ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {refused === undefined ? <TimeBar route={route} head={head} shown={shown} /> : null}
        {signedIn ? (
          <button
            type="button"
            class="signout"
            onClick={() => {
              storeToken(undefined);
              setRefused('Signed out. Sign in again to read this ledger.');
            }}
          >
            Sign out
          </button>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {refused !== undefined ? (
          <SignIn
            message={refused}
            onSignedIn={() => {
              setRefused(undefined);
              setSession((n) => n + 1);
            }}
          />
        ) : (
          <div key={session}>{page}</div>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
