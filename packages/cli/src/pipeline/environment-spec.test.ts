import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSpec } from '@opsloop/runtime';
import { localEnvironmentDocument } from './environment-spec.js';

const TEXT = `apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: shop }
flagsFile: flags.json
services:
  api:
    command: [node, --enable-source-maps, dist/main.js, --mode, fast]
    replicas: 2
    resources: { memory: 256Mi }
    env: { DATA_DIR: .opsloop/data }
    expose: { port: 8080 }
  worker:
    command: [./bin/worker, config.json]
    cwd: jobs
    strategy: { type: BlueGreen }
  single:
    command: [node, single.js]
    port: 9000
environments:
  staging: { replicas: { api: 1 }, resources: { api: { cpu: 100m } } }
  prod: { replicas: { api: 3 } }
pipeline:
  staging: staging
  production: prod
`;

const spec = parseSpec(TEXT, 'opsloop.yaml');
const document = parse(TEXT) as Record<string, unknown>;
const release = {
  dir: '/src/.opsloop/pipeline/releases/abc',
  files: ['dist/main.js', 'jobs/bin/worker', 'single.js'],
};
type Service = {
  command: string[];
  cwd: string;
  replicas?: number;
  resources?: unknown;
  expose?: unknown;
  strategy?: unknown;
  env?: unknown;
};
const services = (doc: Record<string, unknown>) => doc.services as Record<string, Service>;

describe('localEnvironmentDocument', () => {
  const staging = localEnvironmentDocument({
    document,
    spec,
    environment: 'staging',
    sourceDir: '/src',
    environmentDir: '/src/.opsloop/pipeline/environments/staging',
    release,
  });

  it("runs the release's files in the environment's directory, with its replicas and resources", () => {
    const api = services(staging).api!;
    expect(api.command).toEqual([
      'node',
      '--enable-source-maps',
      '/src/.opsloop/pipeline/releases/abc/dist/main.js',
      '--mode',
      'fast',
    ]);
    expect(api.cwd).toBe('/src/.opsloop/pipeline/environments/staging');
    expect(api.env).toEqual({ DATA_DIR: '.opsloop/data' });
    expect(api.replicas).toBe(1);
    expect(api.resources).toEqual({ memory: '256Mi', cpu: '100m' });
    // A program given by path, relative to the service's cwd; arguments not in the release stay as they are.
    const worker = services(staging).worker!;
    expect(worker.command).toEqual(['/src/.opsloop/pipeline/releases/abc/jobs/bin/worker', 'config.json']);
    expect(worker.cwd).toBe('/src/.opsloop/pipeline/environments/staging/jobs');
  });

  it('exposes on ports the machine picks, names the system after the environment, and drops the pipeline', () => {
    expect(services(staging).api!.expose).toEqual({ port: 0 });
    expect((staging.metadata as { name: string }).name).toBe('shop-staging');
    expect(staging.flagsFile).toBe('/src/flags.json');
    expect(staging.pipeline).toBeUndefined();
    expect(staging.environments).toBeUndefined();
    expect(services(staging).api!.strategy).toBeUndefined();
    // The result is a spec the runtime accepts.
    expect(() => parseSpec(JSON.stringify(staging), 'staging.yaml')).not.toThrow();
  });

  it('in production, releases by canary every service without a progressive strategy of its own', () => {
    const canary = {
      steps: [10, 50],
      analysis: spec.pipeline!.canary.analysis,
      requestsPerSecond: 20,
      timeoutSeconds: 600,
    };
    const prod = localEnvironmentDocument({
      document,
      spec,
      environment: 'prod',
      sourceDir: '/src',
      environmentDir: '/p',
      release,
      canary,
    });
    expect(services(prod).api!.replicas).toBe(3);
    expect(services(prod).api!.strategy).toEqual({
      type: 'Canary',
      canary: { steps: [10, 50], analysis: canary.analysis },
    });
    expect(services(prod).worker!.strategy).toEqual({ type: 'BlueGreen' });
    // A fixed port has no room for a second revision beside the first.
    expect(services(prod).single!.strategy).toBeUndefined();
    expect(() => parseSpec(JSON.stringify(prod), 'prod.yaml')).not.toThrow();
  });

  it('refuses an environment the spec does not have', () => {
    expect(() =>
      localEnvironmentDocument({
        document,
        spec,
        environment: 'qa',
        sourceDir: '/src',
        environmentDir: '/q',
        release,
      }),
    ).toThrow(/no environment "qa"/);
  });
});
