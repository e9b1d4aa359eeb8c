import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last lines of stdout and stderr, interleaved as they came. */
  tail: string;
}

const TAIL_LINES = 40;

/**
 * Runs a command (no shell) in `cwd` and keeps the tail of its output. Past `timeoutMs` the whole process
 * group is killed: a test runner's workers go with it.
 */
export function runCommand(
  command: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv; onOutput?: (chunk: string) => void },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.onOutput?.(text);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
    };
    let child;
    try {
      child = spawn(command[0]!, command.slice(1), {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      resolve({
        code: null,
        signal: null,
        timedOut: false,
        tail: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({
        code: null,
        signal: null,
        timedOut: false,
        tail: `cannot run ${command[0]}: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial !== '') lines.push(partial);
      resolve({ code, signal, timedOut, tail: lines.slice(-TAIL_LINES).join('\n') });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** `npm test` → passed / failed stage outcome words. */
export function describeExit(command: readonly string[], result: CommandResult, timeoutMs: number): string {
  const shown = command.join(' ');
  if (result.timedOut) return `${shown}: still running after ${Math.round(timeoutMs / 1000)} s, stopped`;
  if (result.code === 0) return shown;
  return result.code === null
    ? `${shown}: ended by ${result.signal ?? 'an error'}`
    : `${shown}: exit code ${result.code}`;
}
