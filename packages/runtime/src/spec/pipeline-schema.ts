import { z } from 'zod';
import { serviceNameSchema } from '@opsloop/contracts';
import { analysisSchema, canaryStepsSchema } from './strategy-schema.js';

const command = z
  .array(z.string().min(1), { error: 'expected a command: a list of strings' })
  .min(1, 'expected a program to run');

const seconds = (min: number, max: number, fallback: number) =>
  z
    .number({ error: `expected seconds from ${min} to ${max}` })
    .int(`expected whole seconds from ${min} to ${max}`)
    .min(min, `expected seconds from ${min} to ${max}`)
    .max(max, `expected seconds from ${min} to ${max}`)
    .default(fallback);

// Globs relative to the spec's directory; no way out of it.
const relativeGlob = z
  .string({ error: 'expected a glob relative to the spec file' })
  .min(1)
  .refine((glob) => !glob.startsWith('/') && !glob.split('/').includes('..'), {
    message: 'expected a glob inside the spec directory (no leading / and no ..)',
  });

/** One smoke check: a request to an exposed service and the status it must answer. */
export const smokeCheckSchema = z.strictObject({
  service: serviceNameSchema,
  path: z.string().regex(/^\/[^\s]*$/, 'expected a path such as /healthz'),
  method: z.enum(['GET', 'HEAD'], { error: 'expected GET or HEAD' }).default('GET'),
  status: z.number().int().min(100).max(599).default(200),
});
export type SmokeCheck = z.infer<typeof smokeCheckSchema>;

const ANALYSIS_DEFAULTS = analysisSchema.parse({});

/**
 * What `opsloop pipeline run` does (the local twin of .github/workflows/pipeline.yml; the runtime ignores
 * it): the commands of the lint, test and build stages, what a release is made of, the smoke checks, and the
 * two local environments (their names among `environments:`) a release goes through: `staging`, then a
 * canary into `production` judged by the runtime's analysis and rolled back when it fails.
 */
export const pipelineSpecSchema = z.strictObject({
  lint: command.optional(),
  test: command.optional(),
  build: command.optional(),
  /** Longest run of one command stage. */
  commandTimeoutSeconds: seconds(10, 7200, 1800),
  /** A CycloneDX SBOM of the production dependencies in every release (needs a package.json). */
  sbom: z.boolean().default(true),
  audit: z
    .strictObject({
      /** Advisories at or above this severity fail the stage. */
      level: z.enum(['low', 'moderate', 'high', 'critical']).default('high'),
      /** Fail (rather than skip) when no advisory database answers. */
      required: z.boolean().default(false),
    })
    .default({ level: 'high', required: false }),
  release: z
    .strictObject({
      /** Files of a release (a directory copied once and never changed); node_modules is linked, not copied. */
      include: z.array(relativeGlob).min(1).default(['**']),
      exclude: z.array(relativeGlob).default([]),
      /** Releases kept besides those an environment runs. */
      keep: z.number().int().min(1).max(100).default(5),
    })
    .default({ include: ['**'], exclude: [], keep: 5 }),
  smoke: z.array(smokeCheckSchema).default([]),
  /** The environment the release is deployed to first (rolling update, then smoke checks). */
  staging: z.string().min(1).default('staging'),
  /** The environment the release reaches by canary. */
  production: z.string().min(1).default('production'),
  /** Longest wait for an environment's rollout (staging) or start. */
  deployTimeoutSeconds: seconds(10, 3600, 300),
  canary: z
    .strictObject({
      steps: canaryStepsSchema.default([25, 50]),
      analysis: analysisSchema.default(ANALYSIS_DEFAULTS),
      /** Requests per second the pipeline sends to the smoke paths while the canary is judged. */
      requestsPerSecond: z.number().min(1).max(1000).default(20),
      /** Longest canary before the stage gives up (and rolls back). */
      timeoutSeconds: seconds(10, 7200, 600),
    })
    .default({ steps: [25, 50], analysis: ANALYSIS_DEFAULTS, requestsPerSecond: 20, timeoutSeconds: 600 }),
});
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
