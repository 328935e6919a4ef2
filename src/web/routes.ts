/**
 * The dashboard's routes: a request's path and query in, a response out (status, type, body),
 * with no socket in sight (server.ts is the thin shell). Everything is read-only: the store is
 * opened read-only and no route changes anything.
 */
import { AirlockError } from '../core/errors.js';
import type { Anchor } from '../gateway/record/anchor.js';
import type { FleetBox } from '../gateway/record/fleet.js';
import { flattenRow } from '../gateway/record/log-export.js';
import { windowToNow } from '../gateway/record/time-bound.js';
import type { VerificationText } from '../gateway/record/verify-text.js';
import { MAX_TALLY_ROWS, tallyWindow } from '../gateway/record/window-tally.js';
import { POSTGRES_SCHEMA_NAME } from '../store/postgres-name.js';
import type { Store } from '../store/types.js';
import type { GatewayStatus } from './gateway-status.js';
import { type RowFilter, recentRows } from './log-reads.js';
import { renderFleet, renderFleetBox } from './pages/fleet.js';
import { page, problemBody, withWayBack } from './pages/layout.js';
import { renderLog } from './pages/log.js';
import { renderOverview } from './pages/overview.js';
import { renderReportList } from './pages/reports.js';
import { renderVerify, type VerificationView } from './pages/verify.js';
import { listReports, renderReport } from './reports/index.js';

/** Rows per log page, and rows a filtered page looks at before it stops. */
const LOG_PAGE = 200;
const LOG_SCAN = 100_000;

export interface WebResponse {
  status: number;
  type: 'text/html; charset=utf-8' | 'application/json; charset=utf-8' | 'text/plain; charset=utf-8';
  body: string;
}

/** The gateway's record, read-only. */
export interface RecordView {
  store: Store;
  /** For messages: where the store is. */
  storePath: string;
  readAnchor(): Anchor | undefined;
  /** `airlock log verify`'s check and its line. */
  verify(): Promise<VerificationText>;
}

export interface DashboardDeps {
  /** Absent when no gateway has written a store yet: the dashboard shows the reports alone. */
  record?: RecordView;
  /** Where the store would be, for saying it is not there. */
  storePath: string;
  /** The folder of reports, when one was given. */
  reportsDir?: string;
  /** Asks the running gateway's admin port how it is (gateway-status.ts). */
  gateway?: () => Promise<GatewayStatus>;
  /** The boxes of a fleet's PostgreSQL database in a window, each summed over at most maxRows (absent: the store is not one). */
  fleet?: (
    window: { sinceMs: number; untilMs: number },
    maxRows: number,
    only?: string,
  ) => Promise<FleetBox[]>;
  now?: () => number;
}

const html = (body: string, status = 200): WebResponse => ({
  status,
  type: 'text/html; charset=utf-8',
  body,
});
const json = (value: unknown, status = 200): WebResponse => ({
  status,
  type: 'application/json; charset=utf-8',
  body: `${JSON.stringify(value, null, 1)}\n`,
});
const problem = (status: number, title: string, message: string, asJson: boolean): WebResponse =>
  asJson
    ? json({ error: message }, status)
    : html(page(title, 'overview', problemBody(title, message)), status);

const ONE_OF = <T extends string>(v: string | null, allowed: readonly T[], what: string): T | undefined => {
  if (v === null || v === '') return undefined;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new AirlockError('AIRLOCK_ERR_USAGE', `${what} ${v}: expected one of ${allowed.join(', ')}`);
};

export class Dashboard {
  private verification: VerificationView | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: DashboardDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** `target`: the request's path and query, as in the request line. */
  async handle(target: string): Promise<WebResponse> {
    const url = new URL(target, 'http://dashboard.invalid');
    const path = url.pathname;
    const asJson = path.startsWith('/api/');
    const rec = this.deps.record;
    try {
      if (path === '/') return html(await this.overview(url.searchParams));
      if (path === '/reports/' || path === '/reports') return html(await this.reportList());
      if (path === '/api/gateway.json' && this.deps.gateway) return json(await this.deps.gateway());
      if (path === '/fleet' || path === '/api/fleet.json') return await this.fleet(url.searchParams, asJson);
      if (path.startsWith('/reports/'))
        return await this.report(decodeURIComponent(path.slice('/reports/'.length)));
      const route = Object.hasOwn(this.recordRoutes, path) ? this.recordRoutes[path] : undefined;
      if (route)
        return rec
          ? await route(rec, url.searchParams)
          : problem(
              404,
              'No gateway record',
              `${this.deps.storePath} does not exist: no gateway has written it yet`,
              asJson,
            );
      return problem(404, 'Not found', `${path}: no such page`, asJson);
    } catch (err) {
      if (err instanceof AirlockError && err.code === 'AIRLOCK_ERR_USAGE')
        return problem(400, 'Bad request', err.message, asJson);
      if (err instanceof URIError) return problem(400, 'Bad request', `${path}: ${err.message}`, asJson);
      const message =
        err instanceof AirlockError ? `${err.message}${err.file ? ` (${err.file})` : ''}` : String(err);
      return problem(500, 'The store could not be read', message, asJson);
    }
  }

  /** The pages that read the gateway's record, by path: each needs one. */
  private readonly recordRoutes: Record<
    string,
    (rec: RecordView, q: URLSearchParams) => Promise<WebResponse>
  > = {
    '/api/summary.json': async (rec, q) => json(await this.summary(rec, q)),
    '/log': async (rec, q) => html(await this.log(rec, q)),
    '/api/log.json': async (rec, q) => json(await this.logJson(rec, q)),
    '/verify': async (rec) => {
      const v = await this.runVerify(rec);
      return html(renderVerify(v, rec.storePath), v.ok ? 200 : 409);
    },
    '/api/verify.json': async (rec) => {
      const v = await this.runVerify(rec);
      return json(v, v.ok ? 200 : 409);
    },
  };

  private async fleet(q: URLSearchParams, asJson: boolean): Promise<WebResponse> {
    if (!this.deps.fleet)
      return problem(
        404,
        'No fleet',
        "this dashboard's store is not a fleet's PostgreSQL database (store.postgresUrl)",
        asJson,
      );
    const w = this.window(q);
    const window = { sinceMs: w.sinceMs, untilMs: w.untilMs };
    const only = q.get('box');
    if (only === null) {
      const boxes = await this.deps.fleet(window, MAX_TALLY_ROWS);
      return asJson
        ? json({ window: w.label, boxes: boxes.map(({ chain: _, ...b }) => b) })
        : html(renderFleet(boxes, w.label));
    }
    // Only a name a box's schema can have reaches the database.
    if (!POSTGRES_SCHEMA_NAME.test(only))
      return problem(400, 'Bad request', `box ${JSON.stringify(only)}: not a box name (a-z, 0-9, _)`, asJson);
    const [box] = await this.deps.fleet(window, MAX_TALLY_ROWS, only);
    if (!box) return problem(404, 'No such box', `no box ${only} records into this database`, asJson);
    const { chain: _, ...shown } = box;
    return asJson ? json({ window: w.label, box: shown }) : html(renderFleetBox(box, w.label));
  }

  /** The window `since` (a span before now or an ISO time; 24h by default) to now, or to `until`. */
  private window(q: URLSearchParams): { label: string; sinceMs: number; untilMs: number } {
    const nowMs = this.now();
    const label = q.get('since') || '24h';
    const until = q.get('until');
    return { label, ...windowToNow(label, until || undefined, { since: 'since', until: 'until' }, nowMs) };
  }

  private async summary(rec: RecordView, q: URLSearchParams) {
    const w = this.window(q);
    const t = await tallyWindow(rec.store, { sinceMs: w.sinceMs, untilMs: w.untilMs }, MAX_TALLY_ROWS);
    return { window: w.label, truncated: t.truncated, ...t.summary };
  }

  private async overview(q: URLSearchParams): Promise<string> {
    const w = this.window(q);
    const nowMs = this.now();
    const rec = this.deps.record;
    const [reports, gateway] = await Promise.all([
      this.deps.reportsDir === undefined ? undefined : listReports(this.deps.reportsDir),
      this.deps.gateway?.(),
    ]);
    const common = {
      storePath: this.deps.storePath,
      windowLabel: w.label,
      nowMs,
      ...(reports ? { reports } : {}),
      ...(gateway ? { gateway } : {}),
    };
    if (!rec) return renderOverview(common);
    const [t, head, windows] = await Promise.all([
      tallyWindow(rec.store, { sinceMs: w.sinceMs, untilMs: w.untilMs }, MAX_TALLY_ROWS),
      rec.store.logHead(),
      rec.store.unlockWindowsChecked({ endingAfterMs: nowMs - 7 * 86_400_000 }),
    ]);
    const anchor = rec.readAnchor();
    return renderOverview({
      ...common,
      record: {
        ...(head ? { head } : {}),
        ...(anchor ? { anchor: { seq: anchor.seq, tsMs: anchor.tsMs } } : {}),
        ...(this.verification ? { verification: this.verification } : {}),
        summary: t.summary,
        truncated: t.truncated,
        windows,
      },
    });
  }

  private filterOf(q: URLSearchParams): { filter: RowFilter; before?: number } {
    const before = q.get('before');
    if (before !== null && !/^\d{1,15}$/.test(before))
      throw new AirlockError('AIRLOCK_ERR_USAGE', `before ${before}: expected a row number`);
    const kind = ONE_OF(q.get('kind'), ['connection', 'dns', 'unlock'] as const, 'kind');
    const verdict = ONE_OF(q.get('verdict'), ['allow', 'block'] as const, 'verdict');
    const text = q.get('q')?.trim();
    const filter: RowFilter = {
      ...(kind ? { kind } : {}),
      ...(verdict ? { verdict } : {}),
      ...(text ? { text: text.slice(0, 256) } : {}),
      ...(q.get('damaged') === '1' ? { damaged: true } : {}),
    };
    return { filter, ...(before !== null ? { before: Number(before) } : {}) };
  }

  private async log(rec: RecordView, q: URLSearchParams): Promise<string> {
    const { filter, before } = this.filterOf(q);
    return renderLog(await recentRows(rec.store, before, filter, LOG_PAGE, LOG_SCAN), filter);
  }

  private async logJson(rec: RecordView, q: URLSearchParams) {
    const { filter, before } = this.filterOf(q);
    const r = await recentRows(rec.store, before, filter, LOG_PAGE, LOG_SCAN);
    return {
      rows: r.rows.map((c) =>
        c.row
          ? {
              ...flattenRow({ seq: c.seq, row: c.row, prevMac: c.prevMac, mac: c.mac }),
              damaged: c.problem ?? '',
            }
          : {
              seq: c.seq,
              mac: c.mac,
              body: c.body,
              damaged: c.problem ?? 'its body is not a row Airlock writes',
            },
      ),
      scanned: r.scanned,
      ...(r.before !== undefined ? { before: r.before } : {}),
    };
  }

  private async runVerify(rec: RecordView): Promise<VerificationView> {
    const t0 = performance.now();
    const said = await rec.verify();
    this.verification = { atMs: this.now(), tookMs: performance.now() - t0, ...said };
    return this.verification;
  }

  private async reportList(): Promise<string> {
    const dir = this.deps.reportsDir;
    if (dir === undefined) return renderReportList(undefined, [], []);
    const { reports, problems } = await listReports(dir);
    return renderReportList(dir, reports, problems);
  }

  private async report(name: string): Promise<WebResponse> {
    const dir = this.deps.reportsDir;
    if (dir === undefined) return problem(404, 'Not found', 'no reports folder (--reports DIR)', false);
    const r = await renderReport(dir, name);
    return r.ok
      ? html(withWayBack(r.html))
      : problem(r.status, 'Report not shown', `${name}: ${r.message}`, false);
  }
}
