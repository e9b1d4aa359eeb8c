// Test support: a real runtime of fake-service replicas in a temporary directory, for the live suites.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeEvent } from '../src/events.js';
import { createRuntime, type Runtime, type StartResult } from '../src/runtime.js';
import type { SystemSpec } from '../src/spec/schema.js';
import { writeFakeService, type FakeServiceDir } from './fake-service.js';

/** A started runtime, its fake service script and the events it reported. */
export interface LiveRuntime {
  fake: FakeServiceDir;
  dir: string;
  runtime: Runtime;
  result: StartResult;
  events: RuntimeEvent[];
  /** Stops the runtime and removes the directories. */
  stop(): Promise<void>;
}

/** Writes the fake service, builds the spec around its script and starts a runtime on it. */
export async function startLiveRuntime(
  name: string,
  specOf: (script: string) => SystemSpec,
  timeoutMs = 30_000,
): Promise<LiveRuntime> {
  const fake = await writeFakeService(`opsloop-${name}-`);
  const dir = await mkdtemp(join(tmpdir(), `opsloop-${name}-state-`));
  const events: RuntimeEvent[] = [];
  const runtime = createRuntime({
    loaded: { path: join(dir, 'opsloop.yaml'), dir, spec: specOf(fake.script) },
    stateDir: join(dir, '.opsloop'),
    onEvent: (event) => events.push(event),
  });
  const result = await runtime.start(timeoutMs);
  return {
    fake,
    dir,
    runtime,
    result,
    events,
    async stop() {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
      await fake.remove();
    },
  };
}
