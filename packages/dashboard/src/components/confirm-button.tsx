import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/problem.js';
import { asApiError } from './api-error.js';
import { ErrorNote } from './ui.js';
import './confirm-button.css';

export interface ConfirmButtonProps {
  /** The button's text (a verb: `Abort`, `Clear`). */
  label: string;
  /** The accessible name when the label alone is ambiguous on the page (`Clear inj-1a2b3c4d`). */
  name?: string;
  /** A question asked first: a destructive action needs a second, deliberate click. Absent: acts at once. */
  confirm?: string;
  /** The request; its rejection (an ApiError's detail) is shown next to the button. */
  action: () => Promise<unknown>;
  /** After the action succeeded. */
  onDone?: (result: unknown) => void;
  tone?: 'primary' | 'ghost' | 'danger';
  disabled?: boolean;
}

type Phase = 'idle' | 'asking' | 'busy';

/** A button for a mutating call: optional confirmation, busy while it runs, the API's refusal in words. */
export function ConfirmButton(props: ConfirmButtonProps) {
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const yesRef = useRef<HTMLButtonElement>(null);
  const mainRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const tone = props.tone ?? 'ghost';
  const toneClass = tone === 'primary' ? undefined : tone;

  useEffect(() => {
    if (phase === 'asking') yesRef.current?.focus();
    else if (phase === 'idle' && returnFocus.current) {
      returnFocus.current = false;
      mainRef.current?.focus();
    }
  }, [phase]);

  const run = () => {
    setPhase('busy');
    setError(undefined);
    props.action().then(
      (result) => {
        setPhase('idle');
        props.onDone?.(result);
      },
      (failure: unknown) => {
        setPhase('idle');
        setError(asApiError(failure));
      },
    );
  };
  const cancel = () => {
    returnFocus.current = true;
    setPhase('idle');
  };

  return (
    <div className="confirm-button">
      {phase === 'asking' ? (
        <div
          className="confirm-question"
          role="group"
          aria-label={props.confirm}
          onKeyDown={(event) => {
            if (event.key === 'Escape') cancel();
          }}
        >
          <span>{props.confirm}</span>
          <button
            type="button"
            ref={yesRef}
            className={tone === 'danger' ? 'danger' : undefined}
            onClick={run}
          >
            Yes, {props.label.toLowerCase()}
          </button>
          <button type="button" className="ghost" onClick={cancel}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          ref={mainRef}
          className={toneClass}
          aria-label={props.name}
          disabled={props.disabled === true || phase === 'busy'}
          aria-busy={phase === 'busy'}
          onClick={() => (props.confirm === undefined ? run() : setPhase('asking'))}
        >
          {phase === 'busy' ? `${props.label}…` : props.label}
        </button>
      )}
      <ErrorNote error={error} what={`${props.name ?? props.label} refused`} />
    </div>
  );
}
