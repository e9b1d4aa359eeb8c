import { describe, expect, it } from 'vitest';
import { RenderError } from './errors.js';
import { resolveOptions } from './options.js';

const base = { imageTag: '1.0.0', imageRegistry: 'ghcr.io/opsloop' };

/** The one-line message a bad option gives. */
function problem(options: Parameters<typeof resolveOptions>[0]): string {
  try {
    resolveOptions(options, 'shop');
  } catch (error) {
    expect(error).toBeInstanceOf(RenderError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a RenderError');
}

describe('resolveOptions', () => {
  it('refuses the latest tag, in any case', () => {
    expect(problem({ ...base, imageTag: 'latest' })).toMatch(/^imageTag: "latest" is refused/);
    expect(problem({ ...base, imageTag: 'LATEST' })).toMatch(/^imageTag: "latest" is refused/);
  });

  it('requires a valid tag, registry and namespace', () => {
    expect(problem({ ...base, imageTag: '' })).toMatch(/^imageTag: required/);
    expect(problem({ ...base, imageTag: 'v1 beta' })).toMatch(/^imageTag: .* not a valid image tag/);
    expect(problem({ ...base, imageRegistry: 'GHCR.io/Opsloop' })).toMatch(/^imageRegistry: /);
    expect(problem({ ...base, namespace: 'Shop_Prod' })).toMatch(/^namespace: /);
    expect(problem({ ...base, env: 'prod eu' })).toMatch(/^env: /);
    expect(problem({ ...base, nats: { url: 'http://nats:4222', peers: [] } })).toMatch(/^nats\.url: /);
  });

  it('defaults the namespace to the system name and fills every default', () => {
    const resolved = resolveOptions({ ...base, imageRegistry: 'registry.local:5000/team/' }, 'shop');
    expect(resolved.namespace).toBe('shop');
    expect(resolved.imageRegistry).toBe('registry.local:5000/team');
    expect(resolved.workDir).toBe('/app');
    expect(resolved.secretStore).toEqual({
      name: 'opsloop',
      kind: 'ClusterSecretStore',
      remoteKeyPrefix: 'shop/',
      refreshInterval: '1h',
    });
    expect(resolved.streamPartitions).toBe(8);
    expect(resolveOptions({ ...base, namespace: 'shop-eu' }, 'shop').namespace).toBe('shop-eu');
  });
});
