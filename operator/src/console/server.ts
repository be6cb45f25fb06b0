// The console's routes below /console/: who is asking (access.ts), which page, its data
// gathered and rendered. Read-only: GET and HEAD only. Errors become a short page with the
// status; nothing internal (SQL, connection strings) reaches the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTransientDbError } from '@persona-operator/registry/errors';
import type { ConsoleAccess, Viewer } from './access.ts';
import { CONSOLE_HEADERS, CONSOLE_PREFIX, esc, page } from './html.ts';
import { gatherComparePage, renderComparePage } from './pages/compare.ts';
import { gatherModelPage, renderModelPage } from './pages/model.ts';
import { renderModelsPage } from './pages/models.ts';
import { gatherMonitorPage, renderMonitorPage } from './pages/monitor.ts';
import { gatherTrafficPage, renderTrafficPage } from './pages/traffic.ts';
import { gatherVersionPage, renderVersionPage } from './pages/version.ts';
import { ConsoleError, type ConsoleSource } from './source.ts';

export { CONSOLE_PREFIX } from './html.ts';

export interface ConsoleDeps {
  source: ConsoleSource;
  access: ConsoleAccess;
  /** Told about failures that are not the caller's fault (no request data beyond the path). */
  onError?: (err: unknown, path: string) => void;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function errorPage(status: number, message: string): Answer {
  return {
    status,
    body: page({ title: `${status}`, crumbs: [{ label: 'console' }], body: `<p>${esc(message)}</p>` }),
  };
}

type Route = { ns?: string; render: () => Promise<string> };

function route(
  source: ConsoleSource,
  segments: string[],
  params: URLSearchParams,
  viewer: Viewer,
): Route | undefined {
  if (segments.length === 0) return { render: () => modelsPage(source, viewer) };
  const [ns0, ns, kind, name, sub, arg] = segments;
  if (ns0 !== 'ns' || !NAME.test(ns) || !name || !NAME.test(name)) return undefined;
  if (kind === 'monitors' && segments.length === 4) {
    return { ns, render: async () => renderMonitorPage(await gatherMonitorPage(source, ns, name, params)) };
  }
  if (kind !== 'models') return undefined;
  if (segments.length === 4) {
    return { ns, render: async () => renderModelPage(await gatherModelPage(source, ns, name, params)) };
  }
  if (segments.length === 5 && sub === 'compare') {
    return { ns, render: async () => renderComparePage(await gatherComparePage(source, ns, name, params)) };
  }
  if (segments.length === 5 && sub === 'traffic') {
    return { ns, render: async () => renderTrafficPage(await gatherTrafficPage(source, ns, name, params)) };
  }
  if (segments.length === 6 && sub === 'versions' && /^[1-9][0-9]{0,8}$/.test(arg)) {
    return {
      ns,
      render: async () => renderVersionPage(await gatherVersionPage(source, ns, name, Number(arg))),
    };
  }
  return undefined;
}

async function modelsPage(source: ConsoleSource, viewer: Viewer): Promise<string> {
  const namespaces = [...new Set(source.personaModels().map((m) => m.metadata.namespace ?? ''))];
  const allowed = new Set<string>();
  await Promise.all(
    namespaces.map(async (ns) => {
      if (await viewer.mayRead(ns)) allowed.add(ns);
    }),
  );
  const visible = (o: { metadata: { namespace?: string } }) => allowed.has(o.metadata.namespace ?? '');
  return renderModelsPage({
    models: source.personaModels().filter(visible),
    monitors: source.driftMonitors().filter(visible),
    hiddenNamespaces: namespaces.length - allowed.size,
    viewer: viewer.describe,
  });
}

async function answer(deps: ConsoleDeps, req: IncomingMessage, path: string, query: string): Promise<Answer> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return {
      ...errorPage(405, 'the console is read-only: only GET and HEAD are allowed'),
      headers: { allow: 'GET, HEAD' },
    };
  }
  if (path === CONSOLE_PREFIX.slice(0, -1)) {
    return { status: 308, body: '', headers: { location: 'console/' } };
  }
  if (!path.startsWith(CONSOLE_PREFIX)) return errorPage(404, 'there is no such console page');
  let segments: string[];
  try {
    segments = path.slice(CONSOLE_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return errorPage(400, 'malformed percent-encoding in the path');
  }
  let decision;
  try {
    decision = await deps.access.decide(req);
  } catch (err) {
    deps.onError?.(err, path);
    return errorPage(503, 'the API server could not check the bearer token; try again shortly');
  }
  if (!decision.ok) {
    return { ...errorPage(decision.status, decision.message), headers: { 'www-authenticate': 'Bearer' } };
  }
  const viewer = decision.viewer;
  const r = route(deps.source, segments, new URLSearchParams(query), viewer);
  if (!r) return errorPage(404, 'there is no such console page');
  let allowed: boolean;
  try {
    allowed = r.ns === undefined || (await viewer.mayRead(r.ns));
  } catch (err) {
    deps.onError?.(err, path);
    return errorPage(503, 'the API server could not check access; try again shortly');
  }
  if (!allowed) {
    return errorPage(403, `${viewer.describe} may not get personamodels in namespace ${r.ns}`);
  }
  return { status: 200, body: await r.render() };
}

/** Answers a request below /console (the caller routes by prefix). Never throws. */
export async function handleConsoleRequest(
  deps: ConsoleDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const [path, query = ''] = (req.url ?? '/').split('?', 2);
  let result: Answer;
  try {
    result = await answer(deps, req, path, query);
  } catch (err) {
    if (err instanceof ConsoleError) result = errorPage(err.status, err.message);
    else if ((err as Error).name === 'RegistryError') result = errorPage(400, (err as Error).message);
    else {
      deps.onError?.(err, path);
      result = isTransientDbError(err)
        ? errorPage(503, 'the registry is unreachable; try again shortly')
        : errorPage(500, 'the page could not be built; the operator log says why');
    }
  }
  const body = req.method === 'HEAD' ? '' : result.body;
  res.writeHead(result.status, {
    ...CONSOLE_HEADERS,
    ...result.headers,
    'content-length': String(Buffer.byteLength(result.body)),
  });
  res.end(body);
}
