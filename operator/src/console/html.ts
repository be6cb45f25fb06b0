// The console's page frame: one stylesheet inline, no scripts, and the paths of every page, so
// links are built in one place and relative to wherever the console is mounted (port-forward
// at /console/, or under the API server's service proxy path).
import { esc } from '@persona-operator/core/drift/report-svg';

export { esc, num } from '@persona-operator/core/drift/report-svg';

export const CONSOLE_PREFIX = '/console/';

/**
 * Everything is inline and nothing may be fetched or run: no scripts at all, images only as
 * data: URLs, forms only to the page's own origin (the paging and compare forms use GET).
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Pages show live state and what the caller may see: never kept by shared caches.
  'cache-control': 'private, no-store',
};

/** Page paths below the console root, without a leading slash (links are relative). */
export const paths = {
  models: () => '',
  model: (ns: string, name: string) => `ns/${enc(ns)}/models/${enc(name)}`,
  version: (ns: string, name: string, version: number) =>
    `ns/${enc(ns)}/models/${enc(name)}/versions/${version}`,
  compare: (ns: string, name: string, from: number, to: number) =>
    `ns/${enc(ns)}/models/${enc(name)}/compare?from=${from}&to=${to}`,
  traffic: (ns: string, name: string) => `ns/${enc(ns)}/models/${enc(name)}/traffic`,
  monitor: (ns: string, name: string) => `ns/${enc(ns)}/monitors/${enc(name)}`,
};

const enc = encodeURIComponent;

/** A link from a page at `depth` path segments below the console root. */
export function href(depth: number, target: string): string {
  return `${depth === 0 ? './' : '../'.repeat(depth)}${target}`;
}

/** The stored drift report page, served beside the console at /reports/{id}. */
export function reportHref(depth: number, id: number): string {
  return `${'../'.repeat(depth + 1)}reports/${id}`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3a5f;color:#fff;padding:10px 24px}
header a{color:#fff;text-decoration:none}
nav.crumbs{font-size:13px;opacity:.9}
main{padding:16px 24px;max-width:1200px}
h1{font-size:22px;margin:6px 0}
h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}
th{background:#f0f2f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ax{font-size:11px;fill:#555}
.lbl{font-size:12px;fill:#222}
.cell{font-size:11px}
.yes{color:#b3261e;font-weight:600}
.no{color:#1b7f3b}
.muted{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts figure{margin:0;background:#fff;border:1px solid #e3e3e3;padding:6px}
figcaption{font-size:12px;color:#444;margin-bottom:4px}
.badge{display:inline-block;padding:1px 6px;border-radius:8px;background:#e8eef7;font-size:12px;margin-right:4px}
form.inline{display:inline}
`;

export interface Crumb {
  label: string;
  href?: string;
}

export function page(o: { title: string; crumbs: Crumb[]; body: string }): string {
  const crumbs = o.crumbs
    .map((c) => (c.href === undefined ? esc(c.label) : `<a href="${esc(c.href)}">${esc(c.label)}</a>`))
    .join(' › ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} · persona console</title><style>${STYLE}</style></head>
<body><header><nav class="crumbs">${crumbs}</nav><h1>${esc(o.title)}</h1></header>
<main>${o.body}</main></body></html>
`;
}

export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="muted">Nothing yet.</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A cell of escaped text; `numeric` right-aligns it. */
export function td(text: string, numeric = false): string {
  return `<td${numeric ? ' class="n"' : ''}>${esc(text)}</td>`;
}

/** A cell holding markup already escaped by the caller. */
export function tdHtml(html: string): string {
  return `<td>${html}</td>`;
}

export function link(target: string, text: string): string {
  return `<a href="${esc(target)}">${esc(text)}</a>`;
}

export function figure(caption: string, svg: string): string {
  return `<figure><figcaption>${esc(caption)}</figcaption>${svg}</figure>`;
}

export function time(d: Date | string | undefined): string {
  if (d === undefined) return '–';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? '–' : date.toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}
