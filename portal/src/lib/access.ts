// What the user may do here: the one place that decides, from what this
// process serves (the features the server put in the page) and, once
// signing in is configured, the user's roles. Pages and actions ask can();
// none decides on its own.

export interface Features {
  process: 'dev' | 'node' | 'gateway' | string;
  chain: boolean;
  submit: boolean;
  analytics: boolean;
}

export type Action =
  | 'chain.read' // chain stats, block lists, transactions by id, validators
  | 'analytics.read' // series, forecasts, accounts, assets, exports
  | 'cluster.manage' // add and remove validators, move the leadership
  | 'tx.submit';

/** Session is who is signed in; null roles means no sign-in is configured, and all that is served is allowed. */
export interface Session {
  roles: string[] | null;
}

/** Roles that allow each action once sign-in is configured. */
const ROLES: Record<Action, string[]> = {
  'chain.read': ['viewer', 'analyst', 'operator', 'admin'],
  'analytics.read': ['analyst', 'operator', 'admin'],
  'cluster.manage': ['operator', 'admin'],
  'tx.submit': ['operator', 'admin'],
};

const SERVED: Record<Action, (f: Features) => boolean> = {
  'chain.read': (f) => f.chain,
  'analytics.read': (f) => f.analytics,
  'cluster.manage': (f) => f.chain,
  'tx.submit': (f) => f.submit,
};

export function can(action: Action, features: Features, session: Session = { roles: null }): boolean {
  if (!SERVED[action](features)) return false;
  return session.roles === null || session.roles.some((r) => ROLES[action].includes(r));
}

/** readFeatures reads the features the server wrote into the page. */
export function readFeatures(doc: Document = document): Features {
  const fallback: Features = { process: 'unknown', chain: true, submit: true, analytics: true };
  const raw = doc.querySelector('meta[name="aurigraph-features"]')?.getAttribute('content');
  if (!raw || raw === '{}') return fallback;
  try {
    return { ...fallback, ...(JSON.parse(raw) as Partial<Features>) };
  } catch {
    return fallback;
  }
}
