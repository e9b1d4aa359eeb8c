import { startTestFlagsServer } from '@opsloop/flags';
import { createManualClock } from '@opsloop/kit';
import { describe, expect, it, vi } from 'vitest';
import { RATE_LIMIT_FLAG } from '../src/rate-limit/rate-limit-flag.js';
import { problemOf, startGateway, startUpstream } from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

const flagDocument = (defaultVariant: 'configured' | 'shed') => ({
  flags: {
    [RATE_LIMIT_FLAG]: {
      state: 'ENABLED',
      variants: { configured: 0, shed: 2 },
      defaultVariant,
    },
  },
});

async function setup(initial: 'configured' | 'shed') {
  const clock = createManualClock(Date.now());
  const flags = await startTestFlagsServer({ document: flagDocument(initial) });
  cleanups.add(() => flags.close());
  const catalog = await startUpstream(cleanups, 'catalog');
  const users = await startUpstream(cleanups, 'users', issuer);
  const gateway = await startGateway(
    cleanups,
    { catalog: [catalog.endpoint], users: [users.endpoint], cart: [catalog.endpoint] },
    {
      clock,
      env: {
        ROUTES: '/api/products=catalog;/api/cart=cart',
        RATE_LIMIT_RPS: '100',
        RATE_LIMIT_BURST: '200',
        CACHE_MAX_ENTRIES: '0',
        OPSLOOP_FLAGS_URL: flags.url,
      },
    },
  );
  /** The per-client rate in force, as the gateway exports it. */
  const rateInForce = async () => {
    const text = (await gateway.app.inject({ url: '/metrics' })).body;
    return Number(/^gateway_rate_limit_rps(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  };
  return { clock, flags, gateway, rateInForce };
}

const from = (ip: string, headers: Record<string, string> = {}, url = '/api/products') => ({
  url,
  remoteAddress: ip,
  headers,
});

const WAIT = { timeout: 5_000, interval: 20 };

describe(`gateway: load shedding by the ${RATE_LIMIT_FLAG} flag`, () => {
  it('tightens every client at run time, sheds the heavy one, keeps light ones passing, and loosens again', async () => {
    const { clock, flags, gateway, rateInForce } = await setup('configured');
    await vi.waitFor(async () => expect(await rateInForce()).toBe(100), WAIT);

    // A flood from one address: at the configured limits (100/s, burst 200) it all passes.
    for (let i = 0; i < 50; i++) expect((await gateway.app.inject(from('10.0.0.66'))).statusCode).toBe(200);

    flags.store.set(RATE_LIMIT_FLAG, { defaultVariant: 'shed' });
    await vi.waitFor(async () => expect(await rateInForce()).toBe(2), WAIT);

    // 2/s with the burst scaled in proportion (200 × 2/100 = 4): the flood's 150 spare tokens are cut to 4.
    const flood = [];
    for (let i = 0; i < 20; i++) flood.push(await gateway.app.inject(from('10.0.0.66')));
    expect(flood.filter((r) => r.statusCode === 200)).toHaveLength(4);
    const shed = flood.at(-1)!;
    problemOf(shed, 429, 'rate-limited');
    expect(shed.headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-policy': '4;w=2' });

    // Light clients keep passing: another address, and a signed-in user (keyed by user, not address).
    const alice = { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` };
    for (let i = 0; i < 2; i++) {
      expect((await gateway.app.inject(from('10.0.0.1'))).statusCode).toBe(200);
      expect((await gateway.app.inject(from('10.0.0.66', alice, '/api/cart'))).statusCode).toBe(200);
    }

    // The flood gets 2 per second back, no more.
    clock.advance(1_000);
    const next = [];
    for (let i = 0; i < 5; i++) next.push((await gateway.app.inject(from('10.0.0.66'))).statusCode);
    expect(next).toEqual([200, 200, 429, 429, 429]);

    // Flag back to 0: the configured limits again, without a restart.
    flags.store.set(RATE_LIMIT_FLAG, { defaultVariant: 'configured' });
    await vi.waitFor(async () => expect(await rateInForce()).toBe(100), WAIT);
    clock.advance(2_000);
    const back = await gateway.app.inject(from('10.0.0.66'));
    expect(back.statusCode).toBe(200);
    expect(back.headers).toMatchObject({ 'ratelimit-limit': '200', 'ratelimit-policy': '200;w=2' });
  });

  it('applies a flag already set when the gateway starts', async () => {
    const { gateway, rateInForce } = await setup('shed');
    await vi.waitFor(async () => expect(await rateInForce()).toBe(2), WAIT);
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await gateway.app.inject(from('10.0.0.7'))).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
