import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, parseSpec, SpecError, validateSpec } from './load-spec.js';
import { startOrder, type SystemSpec } from './schema.js';

const REPO_SPEC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../opsloop.yaml');

const HEADER = 'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata:\n  name: shop\nservices:\n';

/** A spec whose `services:` block is `services` (indented by two spaces already). */
const withServices = (services: string): string => HEADER + services;

/** The SpecError that parsing `text` raises. */
function specError(text: string, file = 'test.yaml'): SpecError {
  try {
    parseSpec(text, file);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('expected a SpecError, but the spec is valid');
}

describe('runtime.aiops', () => {
  it.each([
    ['threshold: 2', 'expected a score from 0 to 1'],
    ['signals: [latency_p42]', 'expected one of latency_p50'],
    ['signals: []', 'expected at least one signal'],
    ['intervalSeconds: 0', 'expected seconds from 1 to 3600'],
    ['detector: magic', 'expected one of opsloop, artime'],
  ])('refuses detection %s', (line, message) => {
    const text =
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: t }\n' +
      `runtime:\n  aiops:\n    detection:\n      ${line}\n` +
      'services:\n  a: { command: [node, a.js] }\n';
    expect(() => parseSpec(text, '/x/opsloop.yaml')).toThrow(message);
  });

  it('takes a chosen set of signals and can be turned off', () => {
    const text =
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: t }\n' +
      'runtime:\n  aiops:\n    detection: { enabled: false, signals: [latency_p99, in_flight] }\n' +
      'services:\n  a: { command: [node, a.js] }\n';
    expect(parseSpec(text, '/x/opsloop.yaml').runtime.aiops.detection).toMatchObject({
      enabled: false,
      signals: ['latency_p99', 'in_flight'],
      intervalSeconds: 15,
      detector: 'opsloop',
    });
  });
});

describe('runtime.dashboard', () => {
  const spec = (runtime: string) =>
    'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: t }\n' +
    runtime +
    'services:\n  a: { command: [node, a.js] }\n';

  it('is on by default and can be turned off', () => {
    expect(parseSpec(spec(''), '/x/opsloop.yaml').runtime.dashboard).toEqual({ enabled: true });
    expect(parseSpec(spec('runtime: { telemetry: {} }\n'), '/x/o.yaml').runtime.dashboard).toEqual({
      enabled: true,
    });
    const off = parseSpec(spec('runtime:\n  dashboard: { enabled: false }\n'), '/x/opsloop.yaml');
    expect(off.runtime.dashboard).toEqual({ enabled: false });
  });

  it('refuses unknown keys and non-booleans', () => {
    expect(() => parseSpec(spec('runtime:\n  dashboard: { enabled: yes please }\n'), '/x/o.yaml')).toThrow(
      /runtime\.dashboard\.enabled/,
    );
    expect(() => parseSpec(spec('runtime:\n  dashboard: { port: 80 }\n'), '/x/o.yaml')).toThrow(
      /runtime\.dashboard/,
    );
  });
});

describe("the repository's opsloop.yaml", () => {
  it('is valid, with defaults filled in', async () => {
    const loaded = await loadSpec(REPO_SPEC);
    expect(loaded.path).toBe(REPO_SPEC);
    expect(loaded.dir).toBe(dirname(REPO_SPEC));
    const { spec } = loaded;
    expect(spec.metadata.name).toBe('shop');
    expect(spec.runtime).toEqual({
      controlPort: 0,
      bus: 'embedded',
      mtls: { enabled: true, certTtlSeconds: 3600 },
      telemetry: {
        enabled: true,
        scrapeIntervalSeconds: 5,
        retention: { metricsHours: 360, logsHours: 168, tracesHours: 72 },
      },
      aiops: {
        detection: {
          enabled: true,
          detector: 'opsloop',
          intervalSeconds: 15,
          threshold: 0.84,
          warmupPoints: 240,
          signals: [
            'traffic',
            'errors',
            'throttled',
            'latency_p95',
            'rpc_traffic',
            'rpc_errors',
            'rpc_latency_p95',
            'cpu',
            'event_loop_lag_p99',
            'memory_rss_max',
            'consumer_lag',
          ],
        },
        logs: { enabled: true },
        incidents: { enabled: true, diagnoseAfterSeconds: 5, startupGraceSeconds: 120 },
        remediation: { mode: 'suggest', maxActionsPerHourPerService: 3, proposalTimeoutSeconds: 900 },
      },
      dashboard: { enabled: true },
      backups: { intervalMinutes: 15, keep: 48, dir: '.opsloop/backups' },
    });
    expect(Object.keys(spec.services)).toEqual([
      'catalog',
      'inventory',
      'payments',
      'orders',
      'users',
      'cart',
      'checkout',
      'notifications',
      'gateway',
    ]);

    const catalog = spec.services.catalog!;
    expect(catalog.replicas).toBe(2);
    expect(catalog.cwd).toBe('.');
    expect(catalog.port).toBe('auto');
    expect(catalog.dependsOn).toEqual([]);
    expect(catalog.terminationGracePeriodSeconds).toBe(30);
    expect(catalog.restartPolicy).toEqual({
      backoff: { initialSeconds: 10, maxSeconds: 300, resetAfterSeconds: 600 },
    });
    expect(catalog.probes.liveness).toEqual({
      path: '/livez',
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    });

    const gateway = spec.services.gateway!;
    expect(gateway.expose).toEqual({ port: 8080 });
    expect(gateway.dependsOn).toEqual(['catalog', 'users', 'cart', 'checkout', 'orders']);
    expect(spec.services.checkout!.dependsOn).toEqual(['inventory', 'orders', 'payments', 'cart']);
    // Numbers in env become strings, as the environment holds only strings.
    expect(gateway.env.UPSTREAM_TIMEOUT_MS).toBe('5000');
    expect(startOrder(spec)).toEqual([
      'catalog',
      'inventory',
      'payments',
      'orders',
      'users',
      'cart',
      'checkout',
      'notifications',
      'gateway',
    ]);
  });
});

describe('parseSpec defaults', () => {
  it('fills in probe defaults as Kubernetes does (periodSeconds 10, timeoutSeconds 1, thresholds 3/1)', () => {
    const spec = parseSpec(
      withServices('  web:\n    command: [node, web.js]\n    probes:\n      readiness: { path: /readyz }\n'),
    );
    const web = spec.services.web!;
    expect(web.probes.readiness).toEqual({
      path: '/readyz',
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(web.probes.liveness).toBeUndefined();
    expect(web.replicas).toBe(1);
    expect(web.env).toEqual({});
    expect(web.expose).toBeUndefined();
  });

  it('fills in the rest of a partly given back-off', () => {
    const spec = parseSpec(
      withServices(
        '  web:\n    command: [node]\n    restartPolicy:\n      backoff: { initialSeconds: 0.5, maxSeconds: 2 }\n',
      ),
    );
    expect(spec.services.web!.restartPolicy.backoff).toEqual({
      initialSeconds: 0.5,
      maxSeconds: 2,
      resetAfterSeconds: 600,
    });
    const empty = parseSpec(withServices('  web:\n    command: [node]\n    restartPolicy: {}\n'));
    expect(empty.services.web!.restartPolicy.backoff).toEqual({
      initialSeconds: 10,
      maxSeconds: 300,
      resetAfterSeconds: 600,
    });
  });

  it('turns env numbers and booleans into strings', () => {
    const spec = parseSpec(withServices('  web:\n    command: [node]\n    env: { A: 1, B: true, C: x }\n'));
    expect(spec.services.web!.env).toEqual({ A: '1', B: 'true', C: 'x' });
  });
});

describe('spec errors name the file, the path and the problem', () => {
  it.each<[string, string, string]>([
    [
      'replicas -1',
      '  catalog:\n    command: [node]\n    replicas: -1\n',
      'services.catalog.replicas: expected integer ≥ 0',
    ],
    [
      'replicas "two"',
      '  catalog:\n    command: [node]\n    replicas: two\n',
      'services.catalog.replicas: expected integer ≥ 0',
    ],
    [
      'fractional replicas',
      '  catalog:\n    command: [node]\n    replicas: 1.5\n',
      'services.catalog.replicas: expected integer ≥ 0',
    ],
    [
      'a typo (replica:)',
      '  catalog:\n    command: [node]\n    replica: 2\n',
      'services.catalog: unknown field(s): replica',
    ],
    ['a missing command', '  catalog:\n    replicas: 1\n', 'services.catalog.command: required'],
    [
      'a command that is a string',
      '  catalog:\n    command: node main.js\n',
      'services.catalog.command: expected a list of strings',
    ],
    [
      'an empty command',
      '  catalog:\n    command: []\n',
      'services.catalog.command: expected a program to run',
    ],
    [
      'a bad service name',
      '  Catalog_1:\n    command: [node]\n',
      'services.Catalog_1: invalid name: expected a DNS-1035 label',
    ],
    [
      'dependsOn an unknown service',
      '  catalog:\n    command: [node]\n    dependsOn: [payments]\n',
      'services.catalog.dependsOn.0: unknown service "payments"',
    ],
    [
      'an optional dependency it does not depend on',
      '  catalog:\n    command: [node]\n  cart:\n    command: [node]\n    optionalDependencies: [catalog]\n',
      'services.cart.optionalDependencies.0: "catalog" is not in dependsOn',
    ],
    [
      'a service depending on itself',
      '  catalog:\n    command: [node]\n    dependsOn: [catalog]\n',
      'services.catalog.dependsOn.0: a service cannot depend on itself',
    ],
    [
      'a fixed port with 2 replicas',
      '  catalog:\n    command: [node]\n    replicas: 2\n    port: 8081\n',
      'services.catalog.port: a fixed port allows at most 1 replica',
    ],
    ['a port out of range', '  catalog:\n    command: [node]\n    port: 70000\n', 'services.catalog.port'],
    [
      'the reserved env var PORT',
      '  catalog:\n    command: [node]\n    env: { PORT: 8080 }\n',
      'services.catalog.env.PORT: PORT is set by the runtime',
    ],
    [
      'the reserved env var OPSLOOP_SERVICE',
      '  catalog:\n    command: [node]\n    env: { OPSLOOP_SERVICE: x }\n',
      'services.catalog.env.OPSLOOP_SERVICE: OPSLOOP_SERVICE is set by the runtime',
    ],
    [
      'an invalid env var name',
      '  catalog:\n    command: [node]\n    env: { 1BAD: x }\n',
      'expected an environment variable name',
    ],
    [
      'a relative probe path',
      '  catalog:\n    command: [node]\n    probes:\n      readiness: { path: readyz }\n',
      'services.catalog.probes.readiness.path: expected an absolute path such as /readyz',
    ],
    [
      'a probe period of 0',
      '  catalog:\n    command: [node]\n    probes:\n      liveness: { path: /livez, periodSeconds: 0 }\n',
      'services.catalog.probes.liveness.periodSeconds: expected integer ≥ 1',
    ],
    [
      'a back-off max below its initial delay',
      '  catalog:\n    command: [node]\n    restartPolicy:\n      backoff: { initialSeconds: 400 }\n',
      'services.catalog.restartPolicy.backoff.maxSeconds: expected maxSeconds ≥ initialSeconds',
    ],
    ['no services', '  {}\n', 'services: expected at least one service'],
  ])('%s', (_name, services, expected) => {
    const error = specError(withServices(services));
    expect(error.message).toContain(expected);
    expect(error.message.startsWith('test.yaml: ')).toBe(true);
    expect(error.problems.some((p) => p.includes(expected))).toBe(true);
  });

  it('validates SLOs and alert notifications with their paths', () => {
    const slo = specError(
      withServices(
        '  web:\n    command: [node]\n    slos:\n' +
          '      - { name: web-latency, objective: 99, window: 30d, indicator: { kind: latency, thresholdSeconds: 0.3 } }\n',
      ),
    );
    expect(slo.problems.join('\n')).toMatch(/services\.web\.slos\.0\.indicator\.thresholdSeconds: .*0\.25/);
    const notifications = specError(
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: shop }\n' +
        'runtime:\n  telemetry:\n    notifications:\n      route: { receiver: pager }\n' +
        '      receivers: [{ name: ops, webhooks: [{ url: "http://127.0.0.1:9/hook" }] }]\n' +
        'services:\n  web: { command: [node] }\n',
    );
    expect(notifications.problems.join('\n')).toContain('undefined receiver "pager"');
  });

  it('reports a dependency cycle with its path', () => {
    const error = specError(
      withServices(
        '  a:\n    command: [node]\n    dependsOn: [b]\n' +
          '  b:\n    command: [node]\n    dependsOn: [c]\n' +
          '  c:\n    command: [node]\n    dependsOn: [a]\n',
      ),
    );
    expect(error.problems).toEqual(['services: dependency cycle: a → b → c → a']);
  });

  it('reports a wrong apiVersion and kind', () => {
    const error = specError(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: shop }\nservices:\n  a: { command: [x] }\n',
    );
    expect(error.problems).toEqual([
      'apiVersion: expected "opsloop.dev/v1alpha1"',
      'kind: expected "System"',
    ]);
  });

  it('reports every problem at once, one entry each, joined into a single-line message', () => {
    const error = specError(
      withServices(
        '  catalog:\n    command: [node]\n    replicas: -1\n    replica: 2\n  Bad:\n    command: [x]\n',
      ),
    );
    expect(error.problems.length).toBeGreaterThanOrEqual(3);
    expect(error.message).not.toContain('\n');
    expect(error.name).toBe('SpecError');
    expect(error).toBeInstanceOf(Error);
  });

  it('reports missing top-level fields as required', () => {
    const error = specError('kind: System\n');
    expect(error.problems).toContain('apiVersion: expected "opsloop.dev/v1alpha1"');
    expect(error.problems.some((p) => p.startsWith('metadata: required'))).toBe(true);
    expect(error.problems.some((p) => p.startsWith('services: required'))).toBe(true);
  });

  it('reports invalid YAML with its line and column', () => {
    const error = specError(`${HEADER}  catalog:\n    command: [node\n    replicas: 1\n`);
    expect(error.message).toMatch(/^test\.yaml: line \d+, column \d+: /);
    // The unclosed [ opened on line 7 is noticed where the next key starts.
    expect(error.problems).toEqual([expect.stringMatching(/^line 8, column 5: .*end with a \]/)]);
  });

  it('reports duplicate keys with the line of the duplicate', () => {
    const error = specError(`${HEADER}  catalog:\n    command: [node]\n    command: [deno]\n`);
    expect(error.problems).toEqual([expect.stringMatching(/^line 8, column \d+: .*unique/)]);
  });

  it.each([
    ['a top-level list', '- apiVersion: opsloop.dev/v1alpha1\n- kind: System\n'],
    ['a scalar', 'just text\n'],
    ['an empty file', ''],
  ])('rejects %s: expected a YAML mapping', (_name, text) => {
    expect(specError(text).problems).toEqual(['expected a YAML mapping at the top level']);
  });

  it('validateSpec checks an already-parsed document and names the file', () => {
    expect(() => validateSpec({ kind: 'System' }, 'from-json')).toThrow(/^from-json: /);
    const spec: SystemSpec = validateSpec({
      apiVersion: 'opsloop.dev/v1alpha1',
      kind: 'System',
      metadata: { name: 'x' },
      services: { a: { command: ['node'] } },
    });
    expect(spec.services.a!.replicas).toBe(1);
  });
});

describe('loadSpec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says "file not found" for a missing file, naming the path as given', async () => {
    const missing = join(dir, 'nope.yaml');
    const error: unknown = await loadSpec(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toBe(`${missing}: file not found`);
    expect((error as SpecError).problems).toEqual(['file not found']);
  });

  it('says why a path cannot be read', async () => {
    await expect(loadSpec(dir)).rejects.toThrow(/cannot read: EISDIR/);
  });

  it('resolves the spec directory of a file', async () => {
    const file = join(dir, 'sub.yaml');
    await writeFile(file, withServices('  web:\n    command: [node]\n    cwd: app\n'));
    const loaded = await loadSpec(file);
    expect(loaded).toMatchObject({ path: file, dir });
    expect(loaded.spec.services.web!.cwd).toBe('app');
  });

  it('names the file in validation errors', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, withServices('  web:\n    command: [node]\n    replicas: -1\n'));
    await expect(loadSpec(file)).rejects.toThrow(`${file}: services.web.replicas: expected integer ≥ 0`);
  });
});

describe('startOrder', () => {
  it('puts every service after its dependencies, keeping declaration order otherwise', () => {
    const spec = parseSpec(
      withServices(
        '  web:\n    command: [x]\n    dependsOn: [api, auth]\n' +
          '  cache:\n    command: [x]\n' +
          '  api:\n    command: [x]\n    dependsOn: [db, cache]\n' +
          '  auth:\n    command: [x]\n    dependsOn: [db]\n' +
          '  db:\n    command: [x]\n',
      ),
    );
    const order = startOrder(spec);
    expect(order).toEqual(['db', 'cache', 'api', 'auth', 'web']);
    for (const [name, service] of Object.entries(spec.services)) {
      for (const dep of service.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(name));
    }
  });

  it('keeps declaration order for independent services', () => {
    const spec = parseSpec(withServices('  b:\n    command: [x]\n  a:\n    command: [x]\n'));
    expect(startOrder(spec)).toEqual(['b', 'a']);
  });
});
