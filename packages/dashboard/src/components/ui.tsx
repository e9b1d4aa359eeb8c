import type { ReactNode } from 'react';
import type { ApiError } from '../api/problem.js';
import { formatAgo, formatTime } from './format.js';

/** A titled panel. */
export function Card(props: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={`card ${props.className ?? ''}`.trim()}
      aria-label={typeof props.title === 'string' ? props.title : undefined}
    >
      {(props.title !== undefined || props.actions !== undefined) && (
        <header className="card-header">
          {props.title !== undefined && <h2>{props.title}</h2>}
          {props.actions !== undefined && <div className="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** A small coloured label; the text carries the meaning, the colour only repeats it. */
export function Badge(props: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}

/** What went wrong with a request, in words (never a stack). */
export function ErrorNote(props: { error: ApiError | undefined; what?: string }) {
  if (props.error === undefined) return null;
  return (
    <p className="error-note" role="alert">
      {props.what !== undefined ? `${props.what}: ` : ''}
      {props.error.detail}
    </p>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p className="muted" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="muted empty">{props.children}</p>;
}

/** A moment as `5 min ago`; the exact time is in the tooltip and in `dateTime` for machines. */
export function TimeAgo(props: { iso: string; now?: number }) {
  return (
    <time dateTime={props.iso} title={props.iso}>
      {formatAgo(props.iso, props.now)}
    </time>
  );
}

/** A moment as the local time of day; the exact time is in the tooltip. */
export function TimeOfDay(props: { iso: string }) {
  return (
    <time dateTime={props.iso} title={props.iso}>
      {formatTime(props.iso)}
    </time>
  );
}
