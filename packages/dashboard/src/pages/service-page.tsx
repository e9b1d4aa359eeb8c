import { useEffect, useState } from 'react';
import { hrefOf } from '../app/router.js';
import { LogTail } from '../components/log-tail.js';
import { Card } from '../components/ui.js';
import { RANGES, type RangeKey } from './service/service-ranges.js';
import { Replicas } from './service/service-replicas.js';
import { SignalCharts } from './service/service-signals.js';
import { Templates } from './service/service-templates.js';
import { Traces } from './service/service-traces.js';
import './service-page.css';

/** The Service page: golden signals with overlays and markers, replicas, logs, log templates and traces. */
export function ServicePage(props: { service: string; now?: () => number }) {
  const { service } = props;
  const now = props.now ?? Date.now;
  const [range, setRange] = useState<RangeKey>('1h');
  const [traceId, setTraceId] = useState<string>();
  const [template, setTemplate] = useState<string>();
  // Another service's page: its trace and template choices do not carry over.
  useEffect(() => {
    setTraceId(undefined);
    setTemplate(undefined);
  }, [service]);
  const openTrace = (id: string) => {
    setTraceId(id);
    // The trace opens below the logs: bring it into view.
    setTimeout(() => document.getElementById('service-trace')?.scrollIntoView?.({ block: 'nearest' }));
  };
  return (
    <div className="service-page">
      <header className="service-head">
        <div>
          <a href={hrefOf({ page: 'overview' })}>← Overview</a>
          <h1>
            Service <span className="mono">{service}</span>
          </h1>
        </div>
        <div className="range-picker" role="group" aria-label="Time range">
          {(Object.keys(RANGES) as RangeKey[]).map((key) => (
            <button
              key={key}
              type="button"
              className={key === range ? '' : 'ghost'}
              aria-pressed={key === range}
              onClick={() => setRange(key)}
            >
              {key}
            </button>
          ))}
        </div>
      </header>
      <SignalCharts service={service} range={range} now={now} />
      <div className="grid service-grid">
        <Replicas service={service} now={now} />
        <Templates service={service} now={now} onPick={setTemplate} />
      </div>
      <Card title="Recent logs">
        <LogTail
          service={service}
          onTrace={openTrace}
          {...(template === undefined ? {} : { template })}
          onClearTemplate={() => setTemplate(undefined)}
        />
      </Card>
      <Traces service={service} range={range} now={now} selected={traceId} onSelect={openTrace} />
    </div>
  );
}
