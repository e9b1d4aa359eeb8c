import { z } from 'zod';

/** State of one replica, as the control API reports it. */
export const replicaStatusSchema = z.object({
  name: z.string(),
  service: z.string(),
  phase: z.enum(['starting', 'running', 'backoff', 'stopping', 'stopped']),
  ready: z.boolean(),
  pid: z.number().int().nullable(),
  port: z.number().int().nullable(),
  url: z.string().nullable(),
  restarts: z.number().int().nonnegative(),
  lastExit: z
    .object({
      reason: z.string(),
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      at: z.string(),
    })
    .nullable(),
  startedAt: z.string().nullable(),
  nextRestartAt: z.string().nullable(),
  /** The template revision the replica runs (a hash of what starts it: command, env, probes, …). */
  revision: z.string().optional(),
});

/** State of one replica. */
export type ReplicaStatus = z.infer<typeof replicaStatusSchema>;

/** State of one service: desired replicas and the replicas that exist. */
export const serviceStatusSchema = z.object({
  name: z.string(),
  desiredReplicas: z.number().int().nonnegative(),
  readyReplicas: z.number().int().nonnegative(),
  exposed: z.string().nullable(),
  replicas: z.array(replicaStatusSchema),
  /** The desired template revision; replicas on another one are being replaced by a rollout. */
  revision: z.string().optional(),
  /** Replicas at the desired revision. */
  updatedReplicas: z.number().int().nonnegative().optional(),
});

/** State of one service. */
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** Scheduled scaling (`runtime.schedule`) now. */
export const scheduleStatusSchema = z.object({
  /** The uptime windows as the spec writes them. */
  uptime: z.string(),
  /** `down`: the scheduled services run `downtimeReplicas`. */
  state: z.enum(['up', 'down']),
  downtimeReplicas: z.number().int().nonnegative(),
  /** Services the schedule holds at `downtimeReplicas` now. */
  held: z.array(z.string()),
  /** When the state changes next (ISO 8601), null when it never does within a week. */
  nextTransition: z.string().nullable(),
});

/** Scheduled scaling now. */
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;

/** `GET /v1/status` response. */
export const systemStatusSchema = z.object({
  system: z.string(),
  startedAt: z.string(),
  services: z.array(serviceStatusSchema),
  /** Present when the spec has `runtime.schedule`. */
  schedule: scheduleStatusSchema.optional(),
});

/** State of the whole system run by a runtime. */
export type SystemStatus = z.infer<typeof systemStatusSchema>;
