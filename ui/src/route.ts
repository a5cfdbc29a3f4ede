import { useEffect, useState } from 'preact/hooks';
import type { AsOf } from './api.js';
import type { ApiError } from './api.js';

// The page's whole state is in the URL's fragment (#/page/id?params), so any view, as of any seq or
// time, is a link that can be shared.

/** The page the URL names. */
export interface Route { page: string; id?: string; params: URLSearchParams }

function parseRoute(): Route {
  const h = location.hash.replace(/^#/, '') || '/search';
  const [path = '', query = ''] = h.split('?');
  const [, page = 'search', id] = path.split('/').map(decodeURIComponent);
  return { page, id, params: new URLSearchParams(query) };
}

/** The route, following the URL. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute);
  useEffect(() => {
    const on = () => setRoute(parseRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** A link (or navigation) to a page, keeping the snapshot unless told otherwise. */
export function href(page: string, id: string | undefined, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${s ? `?${s}` : ''}`;
}

/** Loads data for as long as its key stays the same; the previous answer stays shown while loading. */
export function useData<T>(key: string, load: () => Promise<T>): { data?: T; error?: ApiError | Error; loading: boolean } {
  const [state, setState] = useState<{ key?: string; data?: T; error?: Error; loading: boolean }>({ loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ key, data, loading: false }),
      (error: Error) => live && setState({ key, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

/** What every page receives: its route, and where to report the snapshot it showed. */
export interface PageProps { route: Route; onAsOf: (a: AsOf) => void }
