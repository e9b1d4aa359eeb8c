import { useId, useState } from 'react';
import type { FlagdFlag, FlagPatch, FlagsSnapshot } from '../api/delivery-types.js';
import type { RuntimeEventRecord } from '../api/types.js';
import { useCan, useDashboard } from '../app/context.js';
import { useQuery } from '../app/use-query.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { formatClipped } from '../components/format.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading } from '../components/ui.js';
import './flags-page.css';

/**
 * The runtime records no event of its own for a flag change (the flag store only tells the incident
 * watch), so the page polls; these events are the ones that come with flag flips: a chaos `bad-flag`
 * injection, remediation's kill switch, and an apply of a spec with other flags.
 */
function mayChangeFlags(event: RuntimeEventRecord): boolean {
  return event.type === 'chaos' || event.type === 'remediation' || event.type === 'spec-applied';
}

/** JSON on one line, cut to `max` characters (the whole of it is one click away). */
export function compactJson(value: unknown, max = 72): string {
  const text = JSON.stringify(value) ?? String(value);
  return formatClipped(text, max);
}

export function FlagsPage() {
  const canOperate = useCan('operator');
  const flags = useQuery('flags', (api, signal) => api.get<FlagsSnapshot>('/v1/flags', undefined, signal), {
    pollMs: 5_000,
    refetchOn: mayChangeFlags,
  });
  const document = flags.data?.document;
  const entries = document === undefined ? [] : Object.entries(document.flags);
  return (
    <div className="flags-page">
      <h1>Feature flags</h1>
      <ErrorNote error={flags.error} what="Flags" />
      {flags.data === undefined ? (
        flags.loading && <Loading label="Loading flags…" />
      ) : (
        <Card title="Flags" actions={<span className="muted">version {flags.data.resourceVersion}</span>}>
          {document?.metadata !== undefined && <Metadata metadata={document.metadata} />}
          {entries.length === 0 ? (
            <Empty>No flags: declare them under `flags:` in opsloop.yaml.</Empty>
          ) : (
            <table className="flags-table">
              <TableHead
                columns={[
                  'Flag',
                  'State',
                  'Variants',
                  'Default variant',
                  'Targeting',
                  'Metadata',
                  canOperate && 'Change',
                ]}
              />
              <tbody>
                {entries.map(([key, flag]) => (
                  <FlagRow
                    key={key}
                    flagKey={key}
                    flag={flag}
                    canOperate={canOperate}
                    onChanged={() => flags.refresh()}
                  />
                ))}
              </tbody>
            </table>
          )}
          {document?.$evaluators !== undefined && Object.keys(document.$evaluators).length > 0 && (
            <details className="evaluators">
              <summary>Shared evaluators ({Object.keys(document.$evaluators).join(', ')})</summary>
              <pre>{JSON.stringify(document.$evaluators, null, 2)}</pre>
            </details>
          )}
        </Card>
      )}
    </div>
  );
}

function FlagRow(props: { flagKey: string; flag: FlagdFlag; canOperate: boolean; onChanged: () => void }) {
  const { flagKey: key, flag } = props;
  const enabled = flag.state === 'ENABLED';
  return (
    <tr>
      <th scope="row">
        <code>{key}</code>
      </th>
      <td>
        <Badge tone={enabled ? 'ok' : 'muted'}>{enabled ? 'enabled' : 'disabled'}</Badge>
      </td>
      <td>
        <ul className="variants" aria-label={`Variants of ${key}`}>
          {Object.entries(flag.variants).map(([name, value]) => (
            <li key={name}>
              <span className={name === flag.defaultVariant ? 'variant-default' : undefined}>{name}</span> ={' '}
              <code title={JSON.stringify(value)}>{compactJson(value, 40)}</code>
            </li>
          ))}
        </ul>
      </td>
      <td>
        {flag.defaultVariant === undefined || flag.defaultVariant === null ? (
          <span className="muted">none (callers&apos; own default)</span>
        ) : (
          <strong>{flag.defaultVariant}</strong>
        )}
      </td>
      <td>
        <Targeting flagKey={key} targeting={flag.targeting} />
      </td>
      <td>{flag.metadata !== undefined && <Metadata metadata={flag.metadata} />}</td>
      {props.canOperate && (
        <td>
          <FlagControls flagKey={key} flag={flag} onChanged={props.onChanged} />
        </td>
      )}
    </tr>
  );
}

function Targeting(props: { flagKey: string; targeting: FlagdFlag['targeting'] }) {
  const targeting = props.targeting;
  if (targeting === undefined || Object.keys(targeting).length === 0)
    return <span className="muted">none</span>;
  const compact = compactJson(targeting);
  const whole = JSON.stringify(targeting);
  if (compact === whole) return <code className="targeting">{compact}</code>;
  return (
    <details className="targeting">
      <summary aria-label={`Targeting rule of ${props.flagKey}`}>
        <code>{compact}</code>
      </summary>
      <pre>{JSON.stringify(targeting, null, 2)}</pre>
    </details>
  );
}

function Metadata(props: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(props.metadata);
  if (entries.length === 0) return null;
  return (
    <dl className="flag-metadata">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An operator's changes of one flag: its default variant, and enabling or disabling it. */
function FlagControls(props: { flagKey: string; flag: FlagdFlag; onChanged: () => void }) {
  const { api } = useDashboard();
  const { flagKey: key, flag } = props;
  const current = flag.defaultVariant ?? '';
  const [variant, setVariant] = useState(current);
  // The default changed elsewhere (another operator, a chaos flip): show the new one.
  const [seen, setSeen] = useState(current);
  if (seen !== current) {
    setSeen(current);
    setVariant(current);
  }
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const selectId = useId();
  const patch = (body: FlagPatch) => () => api.patch<unknown>(`/v1/flags/${encodeURIComponent(key)}`, body);
  const done = (what: string) => (result: unknown) => {
    const version = (result as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    setSaved(typeof version === 'number' ? `${what} (version ${version})` : what);
    props.onChanged();
  };
  const enabled = flag.state === 'ENABLED';
  return (
    <div className="flag-controls">
      <div className="flag-default">
        <label htmlFor={selectId} className="visually-hidden">
          Default variant of {key}
        </label>
        <select
          id={selectId}
          value={variant}
          onChange={(event) => {
            setVariant(event.target.value);
            setSaved(undefined);
          }}
        >
          {current === '' && (
            <option value="" disabled>
              choose a variant
            </option>
          )}
          {Object.keys(flag.variants).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <ConfirmButton
          label="Save"
          name={`Save default variant of ${key}`}
          tone="primary"
          disabled={variant === '' || variant === current}
          action={patch({ defaultVariant: variant })}
          onDone={done(`default variant ${variant} saved`)}
        />
      </div>
      {enabled ? (
        <ConfirmButton
          label="Disable"
          name={`Disable ${key}`}
          tone="danger"
          confirm={`Disable ${key}? Every caller then gets its own default value.`}
          action={patch({ state: 'DISABLED' })}
          onDone={done('disabled')}
        />
      ) : (
        <ConfirmButton
          label="Enable"
          name={`Enable ${key}`}
          action={patch({ state: 'ENABLED' })}
          onDone={done('enabled')}
        />
      )}
      {saved !== undefined && (
        <p className="muted flag-saved" role="status">
          {saved}
        </p>
      )}
    </div>
  );
}
