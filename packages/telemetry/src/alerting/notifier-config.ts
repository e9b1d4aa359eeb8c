import { z } from 'zod';
import { isDuration } from './prom-duration.js';
import { parseMatcher } from './label-matchers.js';

const duration = z.string().refine(isDuration, 'must be a duration such as 30s, 5m or 4h');
const matcher = z.string().superRefine((text, ctx) => {
  try {
    parseMatcher(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** A routing-tree node, Alertmanager's `route` (camelCase). Unset fields are inherited from the parent. */
export const routeConfigSchema = z.strictObject({
  receiver: z.string().min(1).optional(),
  /** Alertmanager matchers (`severity="page"`); all must match. */
  matchers: z.array(matcher).optional(),
  /** Labels that split alerts into notification groups; `['...']` groups by every label. */
  groupBy: z.array(z.string().min(1)).optional(),
  /** Wait before the first notification of a new group (to batch alerts); 30s. */
  groupWait: duration.optional(),
  /** Wait before notifying about alerts added to a group already notified; 5m. */
  groupInterval: duration.optional(),
  /** Wait before re-sending an unchanged firing notification; 4h. */
  repeatInterval: duration.optional(),
  /** Keep matching the next siblings after this route matched. */
  continue: z.boolean().optional(),
  get routes() {
    return z.array(routeConfigSchema).optional();
  },
});

/** A routing-tree node (input form). */
export type RouteConfig = z.infer<typeof routeConfigSchema>;

/** One webhook of a receiver: Alertmanager's `webhook_config`. */
export const webhookConfigSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Notify when alerts resolve; true (Alertmanager's default for webhooks). */
  sendResolved: z.boolean().default(true),
  /** Most alerts in one payload (0 = all); the rest are counted in `truncatedAlerts`. */
  maxAlerts: z.number().int().min(0).default(0),
  /** Deadline of one HTTP attempt; 10s. */
  timeout: duration.default('10s'),
});

/** A named set of webhooks. */
export const receiverConfigSchema = z.strictObject({
  name: z.string().min(1),
  webhooks: z.array(webhookConfigSchema).default([]),
});

/** Alertmanager's `inhibit_rules` entry. */
export const inhibitRuleConfigSchema = z.strictObject({
  sourceMatchers: z.array(matcher).min(1),
  targetMatchers: z.array(matcher).min(1),
  equal: z.array(z.string().min(1)).default([]),
});

/** The notifier's configuration: Alertmanager's route tree, receivers and inhibition rules. */
export const notifierConfigSchema = z
  .strictObject({
    route: routeConfigSchema,
    receivers: z.array(receiverConfigSchema).min(1),
    inhibitRules: z.array(inhibitRuleConfigSchema).default([]),
    /** How long an alert sent without an end time stays firing without an update; 5m. */
    resolveTimeout: duration.default('5m'),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.receivers.forEach((r, i) => {
      if (names.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['receivers', i, 'name'],
          message: `duplicate receiver "${r.name}"`,
        });
      names.add(r.name);
    });
    if (config.route.receiver === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['route', 'receiver'],
        message: 'the root route needs a receiver',
      });
    }
    if (config.route.matchers !== undefined && config.route.matchers.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['route', 'matchers'],
        message: 'the root route must not have matchers',
      });
    }
    const visit = (route: RouteConfig, path: (string | number)[]) => {
      if (route.receiver !== undefined && !names.has(route.receiver)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'receiver'],
          message: `undefined receiver "${route.receiver}"`,
        });
      }
      route.routes?.forEach((child, i) => visit(child, [...path, 'routes', i]));
    };
    visit(config.route, ['route']);
  });

/** Notifier configuration as written. */
export type NotifierConfigInput = z.input<typeof notifierConfigSchema>;
/** Validated notifier configuration (defaults applied). */
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;

/** An invalid notifier configuration; the message lists every problem as `path: message`. */
export class NotifierConfigError extends Error {
  override readonly name = 'NotifierConfigError';
}

/** Validates a notifier configuration; throws a {@link NotifierConfigError} naming each bad field. */
export function parseNotifierConfig(input: unknown): NotifierConfig {
  const result = notifierConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new NotifierConfigError(`invalid notifier configuration:\n${lines.join('\n')}`);
}
