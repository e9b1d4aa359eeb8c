import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/problem.js';
import { atLeast, levelOf, levelOfPlainLine } from '@opsloop/contracts/log-level';
import type { LogLevelName, LogStreamLine } from '../api/service-types.js';
import { linesOf } from '../api/streams.js';
import { useDashboard } from '../app/context.js';
import { asApiError } from './api-error.js';
import { escapeRegExp } from './reg-exp.js';
import { Badge, Empty, ErrorNote, type Tone } from './ui.js';
import './log-tail.css';

/** Lines kept in the browser: the tail is for a look, the log store keeps the rest. */
export const LOG_BUFFER = 500;

/** One replica output line, read defensively: JSON records (pino, kit) or plain text. */
export interface LogEntry {
  id: number;
  replica: string;
  stream: string;
  level: LogLevelName;
  msg: string;
  traceId?: string;
  time?: string;
  /** Whether the line was a JSON record. */
  json: boolean;
}

/** The entry of one ndjson line of the logs stream; undefined for blank or malformed stream lines. */
export function parseLogLine(text: string, id: number): LogEntry | undefined {
  if (text.trim() === '') return undefined;
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof outer !== 'object' || outer === null) return undefined;
  const { replica, stream, line } = outer as Partial<LogStreamLine>;
  if (typeof line !== 'string') return undefined;
  const base = {
    id,
    replica: typeof replica === 'string' ? replica : '?',
    stream: typeof stream === 'string' ? stream : 'stdout',
  };
  const record = jsonRecordOf(line);
  if (record === undefined) {
    return { ...base, level: levelOfPlainLine(line), msg: line, json: false };
  }
  const msg =
    typeof record.msg === 'string' ? record.msg : typeof record.message === 'string' ? record.message : line;
  const trace = record.trace_id ?? record.traceId;
  const time = record.time;
  return {
    ...base,
    level: levelOf(record.level),
    msg,
    ...(typeof trace === 'string' && /^[0-9a-f]{1,32}$/i.test(trace) ? { traceId: trace.toLowerCase() } : {}),
    ...(typeof time === 'string'
      ? { time }
      : typeof time === 'number'
        ? { time: new Date(time).toISOString() }
        : {}),
    json: true,
  };
}

function jsonRecordOf(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A regular expression matching messages of a mined template (`<*>` stands for any text). */
export function templatePattern(template: string): RegExp {
  const tokens = template.trim().split(/\s+/);
  const source = tokens.map((token) => token.split('<*>').map(escapeRegExp).join('.*')).join('\\s+');
  return new RegExp(`^${source}$`, 's');
}

export interface LogFilter {
  minLevel: LogLevelName;
  text: string;
  traceId: string;
  template?: string;
}

/** Whether an entry passes the filter (lines of unknown level pass only with no level filter). */
export function matchesFilter(entry: LogEntry, filter: LogFilter, pattern?: RegExp): boolean {
  if (filter.minLevel !== 'unknown' && !atLeast(entry.level, filter.minLevel)) return false;
  const text = filter.text.trim().toLowerCase();
  if (text !== '' && !entry.msg.toLowerCase().includes(text) && !entry.replica.toLowerCase().includes(text))
    return false;
  const trace = filter.traceId.trim().toLowerCase();
  if (trace !== '' && !(entry.traceId ?? '').includes(trace)) return false;
  if (pattern !== undefined && !pattern.test(entry.msg.trim())) return false;
  return true;
}

/** `buffer` then `added`, keeping the last `max`. */
export function appendBounded<T>(buffer: readonly T[], added: readonly T[], max = LOG_BUFFER): T[] {
  const all = added.length === 0 ? [...buffer] : [...buffer, ...added];
  return all.length > max ? all.slice(all.length - max) : all;
}

const LEVEL_TONE: Record<LogLevelName, Tone> = {
  unknown: 'muted',
  trace: 'muted',
  debug: 'muted',
  info: 'info',
  warn: 'warn',
  error: 'bad',
  fatal: 'bad',
};

type StreamState = 'connecting' | 'live' | 'ended' | 'failed';

/**
 * The live tail of a service's replica output: the last lines, then new ones as they come. Pausing freezes
 * the view while lines keep arriving (bounded); filters apply to what is kept.
 */
export function LogTail(props: {
  service: string;
  /** Shows a trace (the trace id of a line was chosen). */
  onTrace?: (traceId: string) => void;
  /** A template to show the lines of (from the templates table); cleared with `onClearTemplate`. */
  template?: string;
  onClearTemplate?: () => void;
}) {
  const { service, onTrace } = props;
  const { api } = useDashboard();
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<ApiError>();
  const [attempt, setAttempt] = useState(0);
  const [waiting, setWaiting] = useState(0);
  const [filter, setFilter] = useState<LogFilter>({ minLevel: 'unknown', text: '', traceId: '' });
  const pending = useRef<LogEntry[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    let nextId = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setEntries([]);
    setState('connecting');
    setError(undefined);
    pending.current = [];
    // Lines are shown in batches: a chatty service must not re-render the page per line.
    const flush = () => {
      timer = undefined;
      if (abort.signal.aborted) return;
      if (pausedRef.current) {
        setWaiting(pending.current.length);
        return;
      }
      const added = pending.current;
      pending.current = [];
      if (added.length > 0) setEntries((current) => appendBounded(current, added));
    };
    const schedule = () => {
      if (timer === undefined) timer = setTimeout(flush, 150);
    };
    void (async () => {
      try {
        const response = await api.stream(
          `/v1/services/${encodeURIComponent(service)}/logs`,
          { tail: 100, follow: true },
          abort.signal,
        );
        if (response.body === null) throw new ApiError(0, 'about:blank', 'the logs stream has no body');
        setState('live');
        for await (const line of linesOf(response.body, abort.signal)) {
          const entry = parseLogLine(line, nextId);
          if (entry === undefined) continue;
          nextId += 1;
          pending.current = appendBounded(pending.current, [entry]);
          schedule();
        }
        if (!abort.signal.aborted) setState('ended');
      } catch (caught) {
        if (abort.signal.aborted) return;
        setError(asApiError(caught));
        setState('failed');
      }
    })();
    return () => {
      abort.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [api, service, attempt]);

  useEffect(() => {
    setWaiting(0);
    if (paused || pending.current.length === 0) return;
    const added = pending.current;
    pending.current = [];
    setEntries((current) => appendBounded(current, added));
  }, [paused]);

  const pattern = useMemo(
    () => (props.template === undefined ? undefined : templatePattern(props.template)),
    [props.template],
  );
  const shown = useMemo(
    () => entries.filter((e) => matchesFilter(e, filter, pattern)),
    [entries, filter, pattern],
  );

  useEffect(() => {
    const element = list.current;
    if (element !== null && !paused) element.scrollTop = element.scrollHeight;
  }, [shown, paused]);

  const id = `log-tail-${service}`;
  return (
    <div className="log-tail">
      <div className="log-tail-controls" role="group" aria-label="Log filters">
        <div>
          <label htmlFor={`${id}-level`}>Level</label>
          <select
            id={`${id}-level`}
            value={filter.minLevel}
            onChange={(e) => setFilter({ ...filter, minLevel: e.target.value as LogLevelName })}
          >
            <option value="unknown">all</option>
            <option value="debug">debug and up</option>
            <option value="info">info and up</option>
            <option value="warn">warn and up</option>
            <option value="error">error and up</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-text`}>Text</label>
          <input
            id={`${id}-text`}
            type="search"
            value={filter.text}
            placeholder="message or replica"
            onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={`${id}-trace`}>Trace id</label>
          <input
            id={`${id}-trace`}
            type="search"
            className="mono"
            value={filter.traceId}
            onChange={(e) => setFilter({ ...filter, traceId: e.target.value })}
          />
        </div>
        <div className="log-tail-buttons">
          <button type="button" className="ghost" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="ghost" onClick={() => setEntries([])}>
            Clear
          </button>
        </div>
      </div>
      {props.template !== undefined && (
        <p className="log-tail-template">
          Showing lines of template <code>{props.template}</code>{' '}
          <button type="button" className="ghost" onClick={props.onClearTemplate}>
            Show all lines
          </button>
        </p>
      )}
      <p className="muted log-tail-status" role="status">
        {statusText(state, paused, waiting)} · {shown.length} of {entries.length} lines shown (the last{' '}
        {LOG_BUFFER} are kept)
        {(state === 'ended' || state === 'failed') && (
          <>
            {' '}
            <button type="button" className="ghost" onClick={() => setAttempt((a) => a + 1)}>
              Reconnect
            </button>
          </>
        )}
      </p>
      <ErrorNote error={error} what="Logs" />
      {shown.length === 0 ? (
        state !== 'failed' && (
          <Empty>{entries.length === 0 ? 'No log lines yet.' : 'No lines match the filters.'}</Empty>
        )
      ) : (
        <ol className="log-tail-lines" ref={list} aria-label={`Recent logs of ${service}`} tabIndex={0}>
          {shown.map((entry) => (
            <li key={entry.id} className={`log-line log-${entry.level}`}>
              <span className="log-time mono">
                {entry.time === undefined ? '' : entry.time.slice(11, 23)}
              </span>
              <span className="log-replica mono">{entry.replica}</span>
              <Badge tone={LEVEL_TONE[entry.level]}>
                {entry.level === 'unknown' ? entry.stream : entry.level}
              </Badge>
              <span className="log-msg mono">{entry.msg}</span>
              {entry.traceId !== undefined &&
                (onTrace === undefined ? (
                  <span className="mono muted">{entry.traceId.slice(0, 8)}</span>
                ) : (
                  <button
                    type="button"
                    className="ghost log-trace"
                    onClick={() => onTrace(entry.traceId ?? '')}
                    // The name starts with the visible words (WCAG 2.5.3, label in name), then the whole id.
                    aria-label={`Open trace ${entry.traceId.slice(0, 8)} (${entry.traceId})`}
                  >
                    trace {entry.traceId.slice(0, 8)}
                  </button>
                ))}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function statusText(state: StreamState, paused: boolean, waiting: number): string {
  if (paused) return `Paused${waiting > 0 ? ` (${waiting} new lines waiting)` : ''}`;
  switch (state) {
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return 'Following';
    case 'ended':
      return 'The stream ended';
    case 'failed':
      return 'The stream failed';
  }
}
