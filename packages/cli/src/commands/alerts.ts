import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

/** An alert as Prometheus's `GET /api/v1/alerts` lists it. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

/** `opsloop alerts`: pending and firing alerts of the runtime's rules, firing first (viewer role). */
export async function alerts(options: {
  file: string;
  stateDir?: string;
  output: 'table' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const body = (await callControlApi(state, 'GET', '/api/v1/alerts')) as { data: { alerts: ApiAlert[] } };
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(body.data.alerts, null, 2)}\n`
      : formatAlerts(body.data.alerts, Date.now()),
  );
  return 0;
}

/** The alerts as a table: state, name, severity, the other labels, how long active, summary. */
export function formatAlerts(list: readonly ApiAlert[], nowMs: number): string {
  if (list.length === 0) return 'no alerts\n';
  const rows = [...list]
    .sort((a, b) =>
      a.state === b.state ? a.activeAt.localeCompare(b.activeAt) : a.state === 'firing' ? -1 : 1,
    )
    .map((alert) => {
      const { alertname = '', severity = '', ...rest } = alert.labels;
      const since = Math.max(0, Math.round((nowMs - Date.parse(alert.activeAt)) / 1000));
      return [
        alert.state.toUpperCase(),
        alertname,
        severity,
        Object.entries(rest)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        since < 120 ? `${since}s` : `${Math.round(since / 60)}m`,
        alert.annotations.summary ?? '',
      ];
    });
  return `${formatTable(['STATE', 'ALERT', 'SEVERITY', 'LABELS', 'ACTIVE', 'SUMMARY'], rows)}\n`;
}
