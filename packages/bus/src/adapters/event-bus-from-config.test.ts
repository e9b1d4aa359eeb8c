import { ConfigError } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { busConfigSchema, createEventBusFromConfig } from './event-bus-from-config.js';

describe('createEventBusFromConfig', () => {
  it('validates the variables', () => {
    expect(busConfigSchema.safeParse({ NATS_URL: 'http://x' }).success).toBe(false);
    expect(busConfigSchema.safeParse({ NATS_URL: 'nats://a:4222,nats://b:4222' }).success).toBe(true);
    expect(busConfigSchema.safeParse({ OPSLOOP_BUS_URL: 'not a url' }).success).toBe(false);
  });

  it('picks NATS when NATS_URL is set', async () => {
    // Nothing listens on port 1: the NATS adapter was chosen and reports the server unavailable.
    await expect(
      createEventBusFromConfig({ config: { NATS_URL: 'nats://127.0.0.1:1' } }),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('picks the embedded broker client for OPSLOOP_BUS_URL', async () => {
    const bus = await createEventBusFromConfig({ config: { OPSLOOP_BUS_URL: 'http://127.0.0.1:1' } });
    await expect(bus.ensureStream('Bad')).rejects.toMatchObject({ code: 'invalid-argument' });
    await bus.close();
  });

  it('fails with a ConfigError when neither is set', async () => {
    await expect(createEventBusFromConfig({ config: {} })).rejects.toBeInstanceOf(ConfigError);
  });
});
