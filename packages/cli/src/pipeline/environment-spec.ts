import { isAbsolute, join, posix } from 'node:path';
import type { PipelineSpec, SystemSpec } from '@opsloop/runtime';

type Doc = Record<string, unknown>;

export interface LocalEnvironmentInput {
  /** The spec as written (defaults not filled in): what the environment's spec is made from. */
  document: Doc;
  /** The same spec, validated. */
  spec: SystemSpec;
  environment: string;
  sourceDir: string;
  /** Where the environment's spec, state and data live: services run here. */
  environmentDir: string;
  release: { dir: string; files: readonly string[] };
  /** Production: services without a progressive strategy of their own are released by this canary. */
  canary?: PipelineSpec['canary'];
}

/**
 * The spec a local environment runs: the source spec with the environment's replicas and resources, every
 * service working in the environment's directory (its data stays there from release to release) and
 * running the release's files (a command argument naming a file of the release is pointed at the release's
 * copy), exposed on ports the machine picks, and in production released by canary. Its system name carries
 * the environment's, so telemetry tells them apart.
 */
export function localEnvironmentDocument(input: LocalEnvironmentInput): Doc {
  const environment = input.spec.environments?.[input.environment];
  if (environment === undefined) throw new Error(`the spec has no environment "${input.environment}"`);
  const document = structuredClone(input.document);
  const rawEnvironment = (
    document.environments as Record<string, { resources?: Record<string, Doc> }> | undefined
  )?.[input.environment];
  delete document.environments;
  delete document.pipeline;
  const metadata = { ...((document.metadata as Doc | undefined) ?? {}) };
  metadata.name = `${input.spec.metadata.name}-${input.environment}`;
  document.metadata = metadata;
  if (typeof document.flagsFile === 'string' && !isAbsolute(document.flagsFile))
    document.flagsFile = join(input.sourceDir, document.flagsFile);
  const inRelease = new Set(input.release.files);
  const services = document.services as Record<string, Doc>;
  for (const [name, raw] of Object.entries(services)) {
    const service = input.spec.services[name]!;
    const cwd = service.cwd;
    raw.cwd = join(input.environmentDir, cwd);
    raw.command = service.command.map((arg, i) => {
      if (i === 0 && !arg.includes('/')) return arg; // a program on the PATH
      if (arg.startsWith('-') || isAbsolute(arg)) return arg;
      const file = posix.normalize(posix.join(cwd.split('\\').join('/'), arg));
      return inRelease.has(file) ? join(input.release.dir, file) : arg;
    });
    const replicas = environment.replicas?.[name];
    if (replicas !== undefined) raw.replicas = replicas;
    // As written (the validated spec holds parsed quantities).
    const resources = rawEnvironment?.resources?.[name];
    if (resources !== undefined) raw.resources = { ...(raw.resources ?? {}), ...resources };
    if (raw.expose !== undefined) {
      const expose: Doc = { ...(raw.expose as Doc), port: 0 };
      if (expose.previewPort !== undefined) expose.previewPort = 0;
      raw.expose = expose;
    }
    if (input.canary !== undefined && service.strategy.type === 'RollingUpdate' && service.port === 'auto')
      raw.strategy = {
        type: 'Canary',
        canary: { steps: input.canary.steps, analysis: input.canary.analysis },
      };
  }
  return document;
}
