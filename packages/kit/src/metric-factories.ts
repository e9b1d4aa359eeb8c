import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What {@link histogramOn} needs. */
export interface HistogramSpec<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets?: number[];
}

/** What {@link counterOn} and {@link gaugeOn} need. */
export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/** What {@link gaugeOn} needs: a {@link MetricSpec}, and optionally a function that sets it at each scrape. */
export interface GaugeSpec<L extends string> extends MetricSpec<L> {
  /** Called before every scrape of the registry (prom-client's `collect`); only the first registration's counts. */
  collect?: (gauge: Gauge<L>) => void;
}

// Libraries (an RPC client, a server interceptor) register their metrics on the service's registry; several
// instances of them share one registry, and prom-client refuses a name twice: the first registration wins.
function existing<M>(registry: Registry, name: string): M | undefined {
  return registry.getSingleMetric(name) as M | undefined;
}

/** The histogram `spec.name` of `registry`, registered on first use. */
export function histogramOn<L extends string>(registry: Registry, spec: HistogramSpec<L>): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, spec.name) ??
    new Histogram({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      ...(spec.buckets ? { buckets: spec.buckets } : {}),
      registers: [registry],
    })
  );
}

/** The counter `spec.name` of `registry`, registered on first use. */
export function counterOn<L extends string>(registry: Registry, spec: MetricSpec<L>): Counter<L> {
  return (
    existing<Counter<L>>(registry, spec.name) ??
    new Counter({ name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: [registry] })
  );
}

/** The gauge `spec.name` of `registry`, registered on first use. */
export function gaugeOn<L extends string>(registry: Registry, spec: GaugeSpec<L>): Gauge<L> {
  const collect = spec.collect;
  return (
    existing<Gauge<L>>(registry, spec.name) ??
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [registry],
      ...(collect === undefined
        ? {}
        : {
            collect(this: Gauge<L>) {
              collect(this);
            },
          }),
    })
  );
}
