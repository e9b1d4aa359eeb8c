import { z } from 'zod';
import { serviceNameSchema, weeklyWindowsProblem } from '@opsloop/contracts';

/** Weekly windows (`Mon-Fri 08:00-19:00 Europe/Berlin`), kept as written and checked here. */
const weeklyWindowsText = z
  .string({ error: 'expected weekly windows such as "Mon-Fri 08:00-19:00 Europe/Berlin"' })
  .superRefine((text, ctx) => {
    const problem = weeklyWindowsProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * Scheduled scaling (kube-downscaler's model): outside `uptime`, the services run `downtimeReplicas` (0 =
 * stopped); inside it, as the spec says (replicas, autoscaling). Manual scaling in between is kept until the
 * next change of window.
 */
export const scheduleSpecSchema = z.strictObject({
  /** When services run as usual: `Mon-Fri 08:00-19:00 Europe/Berlin` (several comma-separated), `always`, `never`. */
  uptime: weeklyWindowsText,
  /** Replicas of each scheduled service outside the uptime windows. */
  downtimeReplicas: z
    .number({ error: 'expected a replica count ≥ 0' })
    .int('expected a replica count ≥ 0')
    .min(0, 'expected a replica count ≥ 0')
    .default(0),
  /** Services the schedule leaves alone (always running as the spec says). */
  exclude: z.array(serviceNameSchema).default([]),
});

/** A validated schedule. */
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

const price = (what: string, fallback: number) =>
  z
    .number({ error: `expected a price per ${what} ≥ 0` })
    .min(0, `expected a price per ${what} ≥ 0`)
    .default(fallback);

/**
 * Prices of requested resources per hour. The defaults are AWS Fargate's Linux/x86 on-demand list prices in
 * us-east-1 (USD 0.04048 per vCPU-hour, 0.004445 per GB-hour): set your own for your provider and region.
 */
export const pricesSchema = z
  .strictObject({
    cpuCoreHour: price('CPU core-hour', 0.04048),
    memoryGiBHour: price('GiB-hour', 0.004445),
  })
  .default({ cpuCoreHour: 0.04048, memoryGiBHour: 0.004445 });

/**
 * A monthly budget for an environment's compute: the forecast (requests × replicas × scheduled hours ×
 * prices) and the run rate are checked against it, with alerts at each `alertAtPercent`.
 */
export const budgetSpecSchema = z.strictObject({
  /** The budget per month (730 hours), in `currency`. */
  monthly: z.number({ error: 'expected an amount > 0' }).positive('expected an amount > 0'),
  /** ISO 4217 code of the amounts. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD')
    .default('USD'),
  prices: pricesSchema,
  /** Percentages of the budget at which alerts fire (warning below 100, critical from 100). */
  alertAtPercent: z
    .array(z.number().positive('expected a percentage > 0').max(1000, 'expected a percentage ≤ 1000'))
    .min(1, 'expected at least one percentage')
    .default([80, 100, 120])
    .transform((levels) => [...new Set(levels)].sort((a, b) => a - b)),
});

/** A validated budget. */
export type BudgetSpec = z.infer<typeof budgetSpecSchema>;

// Relative to the service's working directory, never out of it.
const relativeDir = z
  .string({ error: 'expected a directory relative to the service’s cwd' })
  .min(1)
  .refine((dir) => !dir.startsWith('/') && !dir.split(/[\\/]/).includes('..'), {
    message: 'expected a directory inside the service’s cwd (no leading / and no ..)',
  });

/**
 * What a backup of the service holds. `dir`: the directory its data lives in (PGlite, SQLite, files),
 * copied crash-consistent while its replicas are paused. `postgres`: when the service's env (or injected
 * secret) sets `urlEnv`, `pg_dump` of `schema` instead.
 */
export const serviceBackupSchema = z
  .strictObject({
    dir: relativeDir.optional(),
    postgres: z
      .strictObject({
        urlEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
          .default('DATABASE_URL'),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a PostgreSQL schema name such as orders'),
      })
      .optional(),
  })
  .refine((backup) => backup.dir !== undefined || backup.postgres !== undefined, {
    message: 'expected dir, postgres or both',
  });

/** A service's backup settings. */
export type ServiceBackupSpec = z.infer<typeof serviceBackupSchema>;

const BACKUPS_DEFAULTS = { intervalMinutes: 60, keep: 48, dir: '.opsloop/backups' };

/** When the runtime backs up every service that has `backup:`, how many it keeps, and where. */
export const backupsSpecSchema = z
  .strictObject({
    /** Minutes between two scheduled backups (0 = only `opsloop backup create`). The RPO is at most this. */
    intervalMinutes: z
      .number({ error: 'expected minutes from 0 to 10080' })
      .int('expected whole minutes')
      .min(0, 'expected minutes from 0 to 10080')
      .max(10_080, 'expected minutes from 0 to 10080')
      .default(BACKUPS_DEFAULTS.intervalMinutes),
    /** Backups kept; older ones are deleted after a new one succeeds. */
    keep: z
      .number({ error: 'expected a count from 1 to 10000' })
      .int('expected a count from 1 to 10000')
      .min(1, 'expected a count from 1 to 10000')
      .max(10_000, 'expected a count from 1 to 10000')
      .default(BACKUPS_DEFAULTS.keep),
    /** Where backups are written, relative to the spec file. */
    dir: relativeDir.default(BACKUPS_DEFAULTS.dir),
  })
  .default(BACKUPS_DEFAULTS);

/** The runtime's backup settings. */
export type BackupsSpec = z.infer<typeof backupsSpecSchema>;
