import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useState } from 'preact/hooks';
import { ApiError, getJSON } from './lib/api';
import type { Features } from './lib/access';
import type { LiveStream } from './lib/live';
import type { LiveSnapshot, LiveStore } from './lib/store';

export interface AppContext {
  features: Features;
  live: LiveStream;
  store: LiveStore;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside the app');
  return c;
}

/** useLive re-renders with the live store, at most once per frame. */
export function useLive(): LiveSnapshot {
  const { store } = useApp();
  const [, bump] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => store.subscribe(() => bump()), [store]);
  return store.snapshot;
}

export interface Fetched<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** useFetch reads an API path; null reads nothing. A changed path cancels the previous read. */
export function useFetch<T>(path: string | null, refreshMs = 0): Fetched<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean; path: string | null }>({
    data: null, error: null, loading: path !== null, path,
  });
  const [tick, bumpTick] = useReducer((n: number, _: void) => n + 1, 0);
  const reload = () => bumpTick();
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: null, loading: false, path });
      return undefined;
    }
    const ctl = new AbortController();
    setState((s) => ({ data: s.path === path ? s.data : null, error: null, loading: true, path }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The next refresh is timed from the end of this read, so reads never overlap.
    const again = () => {
      if (refreshMs > 0 && !ctl.signal.aborted) timer = setTimeout(reload, refreshMs);
    };
    getJSON<T>(path, ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        setState({ data, error: null, loading: false, path });
        again();
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        const msg = err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);
        setState((s) => ({ data: s.data, error: msg, loading: false, path }));
        again();
      },
    );
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick, refreshMs]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** useNow is the time, updated every `ms`, for ages that count up. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
