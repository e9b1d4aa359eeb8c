import {
  computeRequests,
  HOURS_PER_MONTH,
  hourlyComputeCost,
  parseWeeklyWindows,
  weeklyCoverage,
  type ComputePrices,
  type ComputeRequests,
} from '@opsloop/contracts';
import type { BudgetSpec, ScheduleSpec } from '@opsloop/runtime';
import { applyEnvironment, environmentNames } from '../environment.js';
import { RenderError } from '../errors.js';
import { DEFAULT_IMAGE_REGISTRY, DEFAULT_IMAGE_TAG } from '../options.js';
import type { ServiceSpec, SystemSpec } from '../spec-types.js';
import { budgetLevels, type BudgetLevel } from './levels.js';

/** The label of the local runtime's budget (`runtime.budget`) among the environments'. */
export const LOCAL_BUDGET = 'local';

/** A low and a high estimate: at the autoscalers' minimum replicas, and at their maximum. */
export interface FloorCeiling {
  /** The expected steady state (fixed replicas, or `minReplicas`): what the alert levels are judged on. */
  readonly floor: number;
  /** Every autoscaled service at `maxReplicas`. */
  readonly ceiling: number;
}

/** What one service costs a month. */
export interface ServiceCost {
  readonly name: string;
  readonly replicas: FloorCeiling;
  readonly autoscaled: boolean;
  /** What each replica requests, as the Kubernetes render sets it (defaults included). */
  readonly requests: ComputeRequests;
  /** Share of the week at its replicas (1 without a schedule); the rest at `downtimeReplicas`. */
  readonly uptimeShare: number;
  readonly downtimeReplicas: number;
  readonly monthly: FloorCeiling;
}

/** The monthly forecast of one environment against its budget. */
export interface BudgetForecast {
  /** The environment, or {@link LOCAL_BUDGET} for `runtime.budget`. */
  readonly environment: string;
  /** The Kubernetes namespace (environments only). */
  readonly namespace: string | undefined;
  readonly budget: BudgetSpec;
  readonly services: readonly ServiceCost[];
  readonly monthly: FloorCeiling;
  /** `monthly` in % of the budget. */
  readonly percent: FloorCeiling;
  /** Every alert level, and whether the floor forecast reaches it. */
  readonly levels: readonly BudgetLevel[];
}

/**
 * What a replica of the service requests: the Kubernetes render's requests (the spec's, else its defaults
 * of 100m CPU and 256Mi), rounded as its quantities are, so the forecast prices what the cluster reserves.
 */
export const requestedCompute = (service: ServiceSpec): ComputeRequests => computeRequests(service.resources);

function serviceCost(
  name: string,
  service: ServiceSpec,
  prices: ComputePrices,
  schedule: { share: number; downtimeReplicas: number; exclude: readonly string[] } | undefined,
): ServiceCost {
  const autoscaling = service.autoscaling;
  const replicas: FloorCeiling =
    autoscaling === undefined
      ? { floor: service.replicas, ceiling: service.replicas }
      : { floor: autoscaling.minReplicas, ceiling: autoscaling.maxReplicas };
  const requests = requestedCompute(service);
  const scheduled = schedule !== undefined && !schedule.exclude.includes(name);
  const uptimeShare = scheduled ? schedule.share : 1;
  const downtimeReplicas = scheduled ? schedule.downtimeReplicas : 0;
  const monthlyAt = (count: number) =>
    HOURS_PER_MONTH *
    (hourlyComputeCost(count, requests, prices) * uptimeShare +
      hourlyComputeCost(downtimeReplicas, requests, prices) * (1 - uptimeShare));
  return {
    name,
    replicas,
    autoscaled: autoscaling !== undefined,
    requests,
    uptimeShare,
    downtimeReplicas,
    monthly: { floor: monthlyAt(replicas.floor), ceiling: monthlyAt(replicas.ceiling) },
  };
}

/**
 * The monthly forecast of `services` (already with an environment's overrides) under a budget and an
 * optional schedule: per service replicas × requests × prices × 730 h, a scheduled service at its replicas
 * for the uptime's share of the week and at `downtimeReplicas` for the rest.
 */
export function forecastBudget(input: {
  environment: string;
  namespace: string | undefined;
  services: SystemSpec['services'];
  budget: BudgetSpec;
  schedule: ScheduleSpec | undefined;
}): BudgetForecast {
  const { budget, schedule } = input;
  const scheduled =
    schedule === undefined
      ? undefined
      : {
          share: weeklyCoverage(parseWeeklyWindows(schedule.uptime)),
          downtimeReplicas: schedule.downtimeReplicas,
          exclude: schedule.exclude,
        };
  const services = Object.keys(input.services)
    .sort()
    .map((name) => serviceCost(name, input.services[name]!, budget.prices, scheduled));
  const sum = (pick: (cost: ServiceCost) => number) =>
    services.reduce((total, cost) => total + pick(cost), 0);
  const monthly = { floor: sum((cost) => cost.monthly.floor), ceiling: sum((cost) => cost.monthly.ceiling) };
  const percent = {
    floor: (monthly.floor / budget.monthly) * 100,
    ceiling: (monthly.ceiling / budget.monthly) * 100,
  };
  return {
    environment: input.environment,
    namespace: input.namespace,
    budget,
    services,
    monthly,
    percent,
    levels: budgetLevels(budget.alertAtPercent, percent.floor),
  };
}

/** The forecast of one environment of the spec (its replicas, resources and schedule applied). */
function environmentForecast(spec: SystemSpec, env: string): BudgetForecast {
  const environment = spec.environments?.[env];
  const budget = environment?.budget;
  if (environment === undefined || budget === undefined) {
    const budgeted = budgetedEnvironments(spec);
    throw new RenderError(
      `${environment === undefined ? `env: "${env}" is not an environment of the spec` : `environments.${env}: has no budget`} (with a budget: ${budgeted.length === 0 ? 'none' : budgeted.join(', ')})`,
    );
  }
  const applied = applyEnvironment(spec, {
    env,
    imageRegistry: DEFAULT_IMAGE_REGISTRY,
    imageTag: DEFAULT_IMAGE_TAG,
  });
  return forecastBudget({
    environment: env,
    namespace: applied.options.namespace ?? spec.metadata.name,
    services: applied.spec.services,
    budget,
    schedule: environment.schedule,
  });
}

/** The environments with a budget, then {@link LOCAL_BUDGET} when the runtime has one. */
export function budgetedEnvironments(spec: SystemSpec): string[] {
  return [
    ...environmentNames(spec).filter((name) => spec.environments?.[name]?.budget !== undefined),
    ...(spec.runtime.budget === undefined ? [] : [LOCAL_BUDGET]),
  ];
}

/**
 * The forecasts of `env` (an environment with a budget, or {@link LOCAL_BUDGET} for `runtime.budget` when no
 * environment has that name), or of every budgeted environment and the runtime when `env` is undefined.
 * @throws RenderError when `env` has no budget, or nothing in the spec has one.
 */
export function budgetForecasts(spec: SystemSpec, env?: string): BudgetForecast[] {
  const local = () =>
    forecastBudget({
      environment: LOCAL_BUDGET,
      namespace: undefined,
      services: spec.services,
      budget: spec.runtime.budget!,
      schedule: spec.runtime.schedule,
    });
  if (env !== undefined) {
    if (env === LOCAL_BUDGET && spec.environments?.[env] === undefined && spec.runtime.budget !== undefined)
      return [local()];
    return [environmentForecast(spec, env)];
  }
  const forecasts = environmentNames(spec)
    .filter((name) => spec.environments?.[name]?.budget !== undefined)
    .map((name) => environmentForecast(spec, name));
  if (spec.runtime.budget !== undefined) forecasts.push(local());
  if (forecasts.length === 0)
    throw new RenderError('no budget in the spec: set environments.<env>.budget or runtime.budget');
  return forecasts;
}
