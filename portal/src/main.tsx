import { render } from 'preact';
import './styles.css';
import { App } from './app';
import { Ctx } from './hooks';
import { readFeatures } from './lib/access';
import { getJSON, liveURL, type Performance } from './lib/api';
import { LiveStream } from './lib/live';
import { LiveStore } from './lib/store';
import { applyTheme, storedTheme } from './lib/theme';

/** The newest blocks the live view starts with, replayed by the stream. */
const HISTORY_BLOCKS = 50;

applyTheme(storedTheme());
const features = readFeatures();
const store = new LiveStore();
const live = new LiveStream({ url: liveURL() });
live.onEvent((ev) => store.apply(ev));

// One read seeds the throughput chart with the last minute and tells the
// head, from which the stream replays the newest blocks and goes on live:
// no gap between what was fetched and what streams.
getJSON<Performance>('/performance')
  .then((p) => {
    store.seedTps(p.recent.map((r) => ({ t: r.t * 1000, tps: r.tps })));
    live.start(Math.max(1, p.height - HISTORY_BLOCKS + 1));
  })
  .catch(() => live.start());

window.addEventListener('pagehide', () => live.stop());
// The browser tests read the stream's bookkeeping here.
(window as unknown as { aurigraph: unknown }).aurigraph = { live, store };

render(
  <Ctx.Provider value={{ features, live, store }}>
    <App />
  </Ctx.Provider>,
  document.getElementById('app')!,
);
