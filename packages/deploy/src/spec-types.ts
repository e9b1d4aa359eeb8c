// The renderer reads the runtime's validated spec types only (no runtime code).
import type { ServiceSpec, SystemSpec } from '@opsloop/runtime';

export type { ServiceSpec, SystemSpec };

/** A service's `inject` entry (secret or config map reference). */
export type InjectRef = ServiceSpec['inject'][number];

/** A service's `strategy` block. */
export type StrategySpec = ServiceSpec['strategy'];

/** The `analysis` block of a Canary or BlueGreen strategy. */
export type AnalysisSpec = Extract<StrategySpec, { type: 'Canary' }>['canary']['analysis'];

/** A service's `autoscaling` block. */
export type AutoscalingSpec = NonNullable<ServiceSpec['autoscaling']>;

/** An HTTP probe of a service. */
export type HttpProbe = NonNullable<ServiceSpec['probes']['liveness']>;
