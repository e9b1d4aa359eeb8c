import { budgetForecasts, RenderError, type BudgetForecast, type ServiceCost } from '@opsloop/deploy';
import { loadSpec, SpecError } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { formatTable } from '../format.js';

/** Flags of `opsloop budget`. */
export interface BudgetOptions {
  file: string;
  env?: string;
  output: 'table' | 'json';
  /** Exit 1 when a forecast reaches 100 % of its budget. */
  check?: boolean;
}

const money = (amount: number) => amount.toFixed(2);
const percent = (value: number) => `${value.toFixed(1)} %`;
const cpu = (cores: number) => `${Math.round(cores * 1000)}m`;
const memory = (bytes: number) =>
  bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;

function replicasText(cost: ServiceCost): string {
  const { floor, ceiling } = cost.replicas;
  return floor === ceiling ? String(floor) : `${floor}-${ceiling}`;
}

function uptimeText(cost: ServiceCost): string {
  if (cost.uptimeShare === 1) return 'always';
  return `${percent(cost.uptimeShare * 100)} (else ${cost.downtimeReplicas})`;
}

function monthlyText(cost: ServiceCost): string {
  const { floor, ceiling } = cost.monthly;
  return floor === ceiling ? money(floor) : `${money(floor)} (max ${money(ceiling)})`;
}

/** The lines that judge a forecast: its total against the budget, and the alert levels it reaches. */
function verdictLines(forecast: BudgetForecast): string[] {
  const { budget, monthly } = forecast;
  const currency = budget.currency;
  const scaled =
    monthly.ceiling > monthly.floor
      ? `; at max scale: ${money(monthly.ceiling)} ${currency} (${percent(forecast.percent.ceiling)})`
      : '';
  const reached = forecast.levels.filter((level) => level.reached);
  const first = forecast.levels[0];
  return [
    `forecast ${money(monthly.floor)} ${currency} a month: ${percent(forecast.percent.floor)} of ${money(budget.monthly)} ${currency}${scaled}`,
    reached.length === 0
      ? `alerts: none reached${first === undefined ? '' : ` (first at ${first.percent} %)`}`
      : `alerts: ${reached.map((level) => `${level.percent} % ${level.severity} reached`).join(', ')}`,
  ];
}

function formatForecast(forecast: BudgetForecast): string {
  const where = forecast.namespace === undefined ? 'the local runtime' : `namespace ${forecast.namespace}`;
  const rows = forecast.services.map((cost) => [
    cost.name,
    replicasText(cost),
    cpu(cost.requests.cpuCores),
    memory(cost.requests.memoryBytes),
    uptimeText(cost),
    monthlyText(cost),
  ]);
  return [
    `${forecast.environment} (${where}), prices per hour: ${forecast.budget.prices.cpuCoreHour} ${forecast.budget.currency} per CPU core, ${forecast.budget.prices.memoryGiBHour} per GiB`,
    formatTable(
      ['SERVICE', 'REPLICAS', 'CPU', 'MEMORY', 'UPTIME', `MONTHLY ${forecast.budget.currency}`],
      rows,
    ),
    ...verdictLines(forecast),
  ].join('\n');
}

/**
 * `opsloop budget`: the monthly compute forecast of each budgeted environment (or of `--env`), per service
 * and in total against the budget, with the alert levels it reaches. With `--check`, exit 1 when a forecast
 * reaches 100 %.
 */
export async function budget(options: BudgetOptions): Promise<number> {
  let spec;
  try {
    ({ spec } = await loadSpec(options.file));
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    throw error;
  }
  let forecasts: BudgetForecast[];
  try {
    forecasts = budgetForecasts(spec, options.env);
  } catch (error) {
    if (error instanceof RenderError) throw new CliError(error.message);
    throw error;
  }
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(forecasts, null, 2)}\n`
      : `${forecasts.map(formatForecast).join('\n\n')}\n`,
  );
  const overspent = forecasts.some((forecast) => forecast.percent.floor >= 100);
  return options.check === true && overspent ? 1 : 0;
}
