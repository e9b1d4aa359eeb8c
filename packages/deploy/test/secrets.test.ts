import { describe, expect, it } from 'vitest';
import { renderKubernetes, toYaml, validateManifests } from '../src/index.js';
import { at, find, OPTIONS, ofKind, specOf, svc, type Loose } from './fixture.js';

const spec = specOf(
  {
    orders: svc('orders', {
      env: { DATA_DIR: 'data', LOG_LEVEL: 'info' },
      inject: [
        { secret: 'db', key: 'password', env: 'DB_PASSWORD' },
        { secret: 'tls', key: 'cert', file: 'certs/tls.crt' },
        { secret: 'api-keys', prefix: 'API_' },
        { configMap: 'shop-settings' },
        { configMap: 'shop-settings', key: 'CURRENCY', env: 'DEFAULT_CURRENCY' },
      ],
    }),
  },
  { configMaps: { 'shop-settings': { data: { CURRENCY: 'EUR', PAGE_SIZE: 20 } } } },
);

const OPTS = { ...OPTIONS, postgres: { peers: [{ ipBlock: { cidr: '10.2.0.0/24' } }] } };

describe('secrets', () => {
  it('are referenced (secretKeyRef / secretRef / projected volume), never given a value', () => {
    const objects = renderKubernetes(spec, OPTS);
    const container = at(find(objects, 'Deployment', 'orders'), 'spec.template.spec.containers')[0];
    const env = (name: string) => container.env.find((e: Loose) => e.name === name);
    expect(env('DB_PASSWORD')).toEqual({
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'db', key: 'password' } },
    });
    expect(env('DATABASE_URL')).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'orders-database', key: 'DATABASE_URL' } },
    });
    expect(container.envFrom).toContainEqual({ prefix: 'API_', secretRef: { name: 'api-keys' } });
    expect(env('DEFAULT_CURRENCY').valueFrom).toEqual({
      configMapKeyRef: { name: 'shop-settings', key: 'CURRENCY' },
    });
    const files = at(find(objects, 'Deployment', 'orders'), 'spec.template.spec.volumes').find(
      (v: Loose) => v.name === 'files',
    );
    expect(files.projected.sources).toEqual([
      { secret: { name: 'tls', items: [{ key: 'cert', path: 'certs/tls.crt', mode: 0o440 }] } },
    ]);
    expect(env('OPSLOOP_FILES_DIR').value).toBe('/var/run/opsloop/files');
    // No Secret object is rendered: ExternalSecrets make them in the cluster.
    expect(ofKind(objects, 'Secret')).toEqual([]);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('come from ExternalSecrets that name remote keys only', () => {
    const objects = renderKubernetes(spec, { ...OPTS, secretStore: { remoteKeyPrefix: 'prod/shop/' } });
    expect(ofKind(objects, 'ExternalSecret').map((e) => e.metadata.name)).toEqual([
      'api-keys',
      'db',
      'tls',
      'orders-database',
    ]);
    expect(at(find(objects, 'ExternalSecret', 'db'), 'spec.dataFrom')).toEqual([
      { extract: { key: 'prod/shop/db' } },
    ]);
    expect(at(find(objects, 'ExternalSecret', 'orders-database'), 'spec.data')).toEqual([
      { secretKey: 'DATABASE_URL', remoteRef: { key: 'prod/shop/orders-database', property: 'url' } },
    ]);
  });

  it('never carry a value: no Secret, no stringData, no literal for a secret-fed variable', () => {
    const objects = renderKubernetes(spec, OPTS);
    const keys = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object')
        for (const [key, inner] of Object.entries(value)) {
          keys.add(key);
          walk(inner);
        }
    };
    walk(objects);
    expect(keys.has('stringData')).toBe(false);
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const secretFed = new Set(['DB_PASSWORD', 'DATABASE_URL']);
    for (const e of at(find(objects, 'Deployment', 'orders'), 'spec.template.spec.containers')[0].env)
      if (secretFed.has(e.name)) expect(Object.keys(e).sort()).toEqual(['name', 'valueFrom']);
    // Even a value the spec author put in plain env by mistake stays out of every ExternalSecret.
    const leaky = specOf({ a: svc('a', { env: { NOT_A_SECRET: 'visible-in-configmap' } }) });
    const yaml = toYaml(ofKind(renderKubernetes(leaky, OPTS), 'ExternalSecret'));
    expect(yaml).not.toContain('visible-in-configmap');
  });

  it('leave config maps as ConfigMaps, and roll pods when one changes', () => {
    const objects = renderKubernetes(spec, OPTS);
    expect(find(objects, 'ConfigMap', 'shop-settings').data).toEqual({ CURRENCY: 'EUR', PAGE_SIZE: '20' });
    const hash = (o: typeof objects) =>
      at(find(o, 'Deployment', 'orders'), 'spec.template.metadata.annotations')['opsloop.dev/config-hash'];
    const changed = structuredClone(spec);
    changed.configMaps['shop-settings']!.data.CURRENCY = 'USD';
    expect(hash(renderKubernetes(changed, OPTS))).not.toBe(hash(objects));
  });
});
