import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { FlagDefinitionError } from './flag-errors.js';
import { parseFlagDefinitions } from './flag-definitions.js';
import { createStaticFlagProvider } from './static-provider.js';

const document = {
  flags: {
    'kill-payments': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    'banner-color': { state: 'ENABLED', variants: { red: '#f00', blue: '#00f' }, defaultVariant: 'red' },
  },
};

afterAll(async () => {
  await OpenFeature.clearProviders();
});

describe('createStaticFlagProvider', () => {
  it('serves a fixed flag set through an OpenFeature client', async () => {
    const provider = createStaticFlagProvider(JSON.stringify(document));
    await OpenFeature.setProviderAndWait('static-test', provider);
    const client = OpenFeature.getClient('static-test');
    expect(await client.getBooleanValue('kill-payments', true)).toBe(false);
    expect(await client.getStringDetails('banner-color', 'x')).toMatchObject({
      value: '#f00',
      reason: 'STATIC',
    });
    expect(await client.getNumberDetails('banner-color', 1)).toMatchObject({
      value: 1,
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('emits ConfigurationChanged with the changed keys on update', () => {
    const provider = createStaticFlagProvider(parseFlagDefinitions(document));
    const seen: (string[] | undefined)[] = [];
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) =>
      seen.push(details?.flagsChanged as string[] | undefined),
    );
    const next = structuredClone(document);
    next.flags['banner-color'].defaultVariant = 'blue';
    expect(provider.update(next)).toEqual(['banner-color']);
    expect(provider.update(next)).toEqual([]);
    expect(seen).toEqual([['banner-color']]);
    expect(provider.flagSet.flags.get('banner-color')?.defaultVariant).toBe('blue');
  });

  it('refuses an invalid document', () => {
    expect(() => createStaticFlagProvider({ flags: { x: { state: 'ENABLED' } } })).toThrow(
      FlagDefinitionError,
    );
  });
});
