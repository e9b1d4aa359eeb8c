import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFaultRegistry, setCurrentFaultRegistry, type FaultRegistry } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type Delivery,
  type EmbeddedBroker,
  type EventBus,
} from '../src/index.js';
import { waitFor } from './contract.js';

let dir: string;
let broker: EmbeddedBroker;
let bus: EventBus;
let faults: FaultRegistry;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsloop-bus-faults-'));
  broker = await createEmbeddedBroker({ dir });
  bus = createInProcessEventBus(broker, { pollWaitMs: 50 });
  await bus.ensureStream('orders');
  faults = createFaultRegistry();
  setCurrentFaultRegistry(faults);
});
afterEach(async () => {
  faults.close();
  setCurrentFaultRegistry(undefined);
  await bus.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

const event = (id: string) => ({
  id,
  type: 'order.placed.v1',
  key: `order-${id}`,
  time: new Date(0).toISOString(),
  data: { id },
  headers: {},
});

describe('the bus-consumer fault point', () => {
  it('stall: deliveries wait while it lasts and are all handled once it ends', async () => {
    faults.add({ id: 'stuck', kind: 'stall', point: 'bus-consumer' });
    const handled: string[] = [];
    const subscription = await bus.subscribe({
      stream: 'orders',
      group: 'billing',
      handler: (delivery: Delivery) => {
        handled.push(delivery.event.id);
        return Promise.resolve();
      },
    });
    for (const id of ['a', 'b', 'c']) await bus.publish('orders', event(id));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled).toEqual([]);
    faults.remove('stuck');
    await waitFor(() => handled.length === 3, 'the stalled deliveries');
    expect([...handled].sort()).toEqual(['a', 'b', 'c']);
    await subscription.stop();
  });

  it('errors: the handler fails without running, and the event is redelivered', async () => {
    faults.add({ id: 'broken', kind: 'errors', point: 'bus-consumer', params: { ratio: 1 } });
    const attempts: number[] = [];
    const subscription = await bus.subscribe({
      stream: 'orders',
      group: 'billing',
      backoffMs: [20],
      maxDeliver: 1000,
      handler: (delivery: Delivery) => {
        attempts.push(delivery.attempt);
        return Promise.resolve();
      },
    });
    await bus.publish('orders', event('a'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([]);
    faults.remove('broken');
    await waitFor(() => attempts.length === 1, 'the redelivery');
    // Earlier attempts failed at the fault point: the handler first ran on a redelivery.
    expect(attempts[0]).toBeGreaterThanOrEqual(2);
    await subscription.stop();
  });
});
