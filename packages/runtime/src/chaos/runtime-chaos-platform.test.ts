import { createChaosManager, type ChaosManager } from '@opsloop/chaos';
import { createFlagStore } from '@opsloop/flags';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlRequestError } from '../control-api/aiops-routes.js';
import { parseSpec } from '../spec/load-spec.js';
import type { SystemSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { chaosApiOf } from './chaos-api.js';
import { ReplicaFaultError, type ReplicaFaultClient } from './replica-fault-client.js';
import { createRuntimeChaosPlatform } from './runtime-chaos-platform.js';

const SPEC = parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: shop }
services:
  orders:
    command: [node, o.js]
    replicas: 2
    env: { SERVICE_VERSION: "1.4.0", MODE: good }
  cart:
    command: [node, c.js]
`);

const FLAGS = {
  flags: { 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
};

/** A fake replica: an address while it has a process; kill() ends the process. */
function fakeReplica(name: string, port: number) {
  const state = { running: true, kills: [] as string[] };
  const replica = {
    name,
    get ready() {
      return state.running;
    },
    status: () => ({ url: state.running ? `http://127.0.0.1:${port}` : null }),
    kill(signal: string) {
      if (!state.running) return false;
      state.kills.push(signal);
      state.running = false;
      return true;
    },
  };
  return { state, replica: replica as unknown as Replica & { name: string } };
}

function setup() {
  let spec: SystemSpec = SPEC;
  const replicas = {
    orders: [fakeReplica('orders-1', 41001), fakeReplica('orders-2', 41002)],
    cart: [fakeReplica('cart-1', 41003)],
  };
  const sent: { url: string; fault: unknown }[] = [];
  const cleared: { url: string; id: string }[] = [];
  const refuse = new Set<string>();
  const faults: ReplicaFaultClient = {
    send(url, fault) {
      if (refuse.has(url)) return Promise.reject(new ReplicaFaultError(`${url} refused the fault (403): no`));
      sent.push({ url, fault });
      return Promise.resolve();
    },
    clear(url, id) {
      cleared.push({ url, id });
      return Promise.resolve();
    },
  };
  const applied: SystemSpec[] = [];
  const flags = createFlagStore(FLAGS);
  const manager = createChaosManager({
    platform: createRuntimeChaosPlatform({
      spec: () => spec,
      replicasOf: (service) => replicas[service as keyof typeof replicas]?.map((r) => r.replica),
      apply: (next) => {
        applied.push(next);
        spec = next;
        return Promise.resolve();
      },
      flags,
      exposedUrl: () => undefined,
      faults,
    }),
  });
  managers.push(manager);
  return { api: chaosApiOf(manager), replicas, sent, cleared, refuse, applied, flags, spec: () => spec };
}

const managers: ChaosManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
});

/** The refusal `promise` rejects with (a ControlRequestError, or the test fails). */
async function refusal(promise: Promise<unknown>): Promise<ControlRequestError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ControlRequestError);
  return error as ControlRequestError;
}

describe('the runtime as chaos platform, behind the control API', () => {
  it('sends an errors fault to each ready replica, shows ISO times, and clears it from each', async () => {
    const { api, sent, cleared } = setup();
    const injection = (await api.inject({
      fault: 'errors',
      target: 'orders',
      params: { ratio: '1' },
      durationMs: 60_000,
    })) as { id: string; status: string; startedAt: string; endsAt: string; endedAt: string | null };
    expect(injection).toMatchObject({ status: 'active', endedAt: null });
    expect(Date.parse(injection.endsAt) - Date.parse(injection.startedAt)).toBe(60_000);
    expect(new Set(sent.map((s) => s.url))).toEqual(
      new Set(['http://127.0.0.1:41001', 'http://127.0.0.1:41002']),
    );
    expect(sent[0]!.fault).toMatchObject({ kind: 'errors', params: { ratio: 1 } });
    expect(api.list()).toEqual([expect.objectContaining({ id: injection.id, status: 'active' })]);
    expect(api.get(injection.id)).toMatchObject({ id: injection.id });
    expect(api.get('inj-00000000')).toBeUndefined();

    const done = (await api.clear(injection.id)) as { status: string; endedAt: string };
    expect(done.status).toBe('cleared');
    expect(typeof done.endedAt).toBe('string');
    expect(new Set(cleared.map((c) => c.url))).toEqual(new Set(sent.map((s) => s.url)));
    expect(await api.clear('inj-00000000')).toBeUndefined();
  });

  it('maps chaos errors to refusals: invalid, not-found, failed', async () => {
    const { api, refuse } = setup();
    expect((await refusal(api.inject({ fault: 'meteor', target: 'orders', params: {} }))).kind).toBe(
      'invalid',
    );
    expect(
      (await refusal(api.inject({ fault: 'errors', target: 'orders', params: { ratio: 'lots' } }))).kind,
    ).toBe('invalid');
    const unknown = await refusal(api.inject({ fault: 'errors', target: 'nope', params: {} }));
    expect(unknown.kind).toBe('not-found');
    expect(unknown.message).toContain('no service named "nope"');
    expect(
      (await refusal(api.inject({ fault: 'errors', target: 'orders', replica: 'orders-9', params: {} })))
        .kind,
    ).toBe('not-found');
    refuse.add('http://127.0.0.1:41001');
    refuse.add('http://127.0.0.1:41002');
    const failed = await refusal(api.inject({ fault: 'errors', target: 'orders', params: {} }));
    expect(failed.kind).toBe('failed');
    expect(api.list()).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('crash kills replicas by signal; a replica without a process cannot be crashed', async () => {
    const { api, replicas } = setup();
    const crash = (await api.inject({
      fault: 'crash',
      target: 'orders',
      replica: 'orders-2',
      params: {},
    })) as {
      replicas: string[];
    };
    expect(crash.replicas).toEqual(['orders-2']);
    expect(replicas.orders[1]!.state.kills).toEqual(['SIGKILL']);
    expect(replicas.orders[0]!.state.kills).toEqual([]);
    await refusal(api.inject({ fault: 'crash', target: 'orders', replica: 'orders-2', params: {} }));
    await api.inject({ fault: 'crash', target: 'cart', params: { signal: 'SIGTERM' } });
    expect(replicas.cart[0]!.state.kills).toEqual(['SIGTERM']);
  });

  it('bad-flag flips the variant through the flag store and clearing puts it back', async () => {
    const { api, flags } = setup();
    const injection = (await api.inject({
      fault: 'bad-flag',
      target: 'orders',
      params: { flag: 'new-checkout', variant: 'on' },
    })) as { id: string };
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');
    await api.clear(injection.id);
    expect(flags.get('new-checkout')?.defaultVariant).toBe('off');
    expect(
      (
        await refusal(
          api.inject({
            fault: 'bad-flag',
            target: 'orders',
            params: { flag: 'new-checkout', variant: 'maybe' },
          }),
        )
      ).message,
    ).toContain('has no variant "maybe"');
    expect(
      (
        await refusal(
          api.inject({ fault: 'bad-flag', target: 'orders', params: { flag: 'nope', variant: 'on' } }),
        )
      ).kind,
    ).toBe('not-found');
  });

  it('bad-config and bad-release roll out through apply; clearing restores the template', async () => {
    const { api, applied, spec } = setup();
    const config = (await api.inject({
      fault: 'bad-config',
      target: 'orders',
      params: { key: 'MODE', value: 'broken' },
    })) as { id: string };
    expect(spec().services.orders!.env).toMatchObject({ MODE: 'broken', SERVICE_VERSION: '1.4.0' });
    await api.clear(config.id);
    expect(spec().services.orders!.env).toMatchObject({ MODE: 'good' });
    expect(applied).toHaveLength(2);

    const release = (await api.inject({
      fault: 'bad-release',
      target: 'orders',
      params: { ratio: '0.5' },
    })) as {
      id: string;
    };
    expect(spec().services.orders!.env.SERVICE_VERSION).toBe('1.4.0-bad.1');
    await api.clear(release.id);
    expect(spec().services.orders!.env.SERVICE_VERSION).toBe('1.4.0');
    expect(spec().services.cart).toEqual(SPEC.services.cart);
  });
});
