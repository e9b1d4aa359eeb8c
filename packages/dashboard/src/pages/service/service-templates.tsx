import { Fragment, useMemo } from 'react';
import type { LogEventsAnswer, LogTemplatesAnswer } from '../../api/service-types.js';
import { useQuery } from '../../app/use-query.js';
import { formatAgo, formatNumber } from '../../components/format.js';
import { TableHead } from '../../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading } from '../../components/ui.js';

/** A service's top mined log templates, flagged new or in an error burst; `onPick` filters the log tail. */
export function Templates(props: { service: string; now: () => number; onPick: (template: string) => void }) {
  const { service, now } = props;
  const templates = useQuery(
    `templates:${service}`,
    (api, signal) =>
      api.get<LogTemplatesAnswer>(
        `/v1/services/${encodeURIComponent(service)}/log-templates`,
        { limit: 20 },
        signal,
      ),
    { pollMs: 30_000 },
  );
  // New templates and error bursts flag the templates they name; without log mining this is simply empty.
  const insights = useQuery(
    `log-events:${service}`,
    (api, signal) => api.get<LogEventsAnswer>('/v1/log-events', { service, limit: 100 }, signal),
    { pollMs: 30_000, refetchOn: (e) => e.type === 'log-event' && e.service === service },
  );
  const flags = useMemo(() => {
    const out = new Map<string, Set<string>>();
    const add = (id: string, flag: string) => out.set(id, (out.get(id) ?? new Set()).add(flag));
    for (const e of insights.data?.events ?? []) {
      if (e.kind === 'new-template') add(e.templateId, 'new');
      else for (const t of e.topTemplates) add(t.templateId, 'in error burst');
    }
    return out;
  }, [insights.data]);
  const list = templates.data?.templates;
  const unavailable = templates.error?.status === 404;
  return (
    <Card
      title="Top log templates"
      actions={
        templates.data !== undefined && <span className="muted">{templates.data.total} templates</span>
      }
    >
      {unavailable ? (
        <Empty>{templates.error?.detail}</Empty>
      ) : (
        <ErrorNote error={templates.error} what="Log templates" />
      )}
      {templates.loading && list === undefined && <Loading label="Loading templates…" />}
      {list !== undefined && list.length === 0 && <Empty>No templates mined yet.</Empty>}
      {list !== undefined && list.length > 0 && (
        <table className="templates-table">
          <TableHead
            columns={[
              'Template',
              { label: 'Lines', num: true },
              { label: 'Rate', num: true },
              { label: 'Errors', num: true },
              'Last seen',
              { label: <span className="visually-hidden">Actions</span>, key: 'actions' },
            ]}
          />
          <tbody>
            {list.map((t) => {
              const minutes = Math.max(1, (t.lastSeenMs - t.firstSeenMs) / 60_000);
              const errors = (t.levels.error ?? 0) + (t.levels.fatal ?? 0);
              return (
                <tr key={t.templateId}>
                  <td>
                    <code className="template-text" title={t.example}>
                      {t.template}
                    </code>
                    {[...(flags.get(t.templateId) ?? [])].map((flag) => (
                      <Fragment key={flag}>
                        {' '}
                        <Badge tone={flag === 'new' ? 'info' : 'bad'}>{flag}</Badge>
                      </Fragment>
                    ))}
                  </td>
                  <td className="num">{formatNumber(t.count)}</td>
                  <td className="num">{formatNumber(t.count / minutes)}/min</td>
                  <td className="num">{errors > 0 ? formatNumber(errors) : '–'}</td>
                  <td>{formatAgo(new Date(t.lastSeenMs).toISOString(), now())}</td>
                  <td>
                    <button
                      type="button"
                      className="ghost"
                      onClick={() => props.onPick(t.template)}
                      aria-label={`Show log lines of template ${t.template}`}
                    >
                      Lines
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
