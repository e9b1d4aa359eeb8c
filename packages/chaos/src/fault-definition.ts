import type { FaultParamInfo } from '@opsloop/contracts';
import { z } from 'zod';
import type { ChaosPlatform, PlatformUndo, ReplicaFaultRequest } from './chaos-platform.js';
import type { FaultParams } from './injection.js';

/**
 * Where a fault's bad state lives. 'replica': in the processes that exist at injection, so a replaced replica is
 * clean (a restart is a real remedy). 'service': in the environment (its database, a link, a provider), so it is
 * re-applied to every new replica of the service while the injection is active.
 */
export type FaultScope = 'replica' | 'service';

/**
 * The kind of root cause an ideal diagnosis names. change = a deploy, flag or config change; saturation = CPU,
 * memory or the event loop; dependency = a resource the service uses failed (its database, the payment provider,
 * a link to another service); traffic = too much or bad input load; failure = the service itself fails (crash,
 * errors, latency) with no change or saturation behind it.
 */
export type CauseKind = 'change' | 'saturation' | 'dependency' | 'traffic' | 'failure';

/**
 * The root-cause label an ideal diagnosis gives for a fault. `service` is relative to the injection: 'target' is
 * the service the fault was injected into; 'caller' a service that calls it (for faults that show up upstream;
 * none of the shipped faults uses it).
 */
export interface ExpectedCause {
  service: 'target' | 'caller';
  kind: CauseKind;
}

/** A fault sent to each replica's fault endpoint (the id and remaining duration are added by the manager). */
export type ReplicaFaultSpec = Omit<ReplicaFaultRequest, 'id' | 'durationMs'>;

/** What a runtime-level fault is given when applied. */
export interface RuntimeFaultContext {
  platform: ChaosPlatform;
  target: string;
  /** The replica named at injection, if any (only for faults whose mechanism `acceptsReplica`). */
  replica: string | undefined;
  params: FaultParams;
  /** 0 = until cleared. */
  durationMs: number;
  /** 1 for the first injection of this fault into this target by this manager, then 2, … */
  sequence: number;
}

/** What applying a runtime-level fault did. */
export interface RuntimeFaultOutcome {
  /** Called on clear or expiry; absent for faults nothing can undo (a crash). */
  undo?: PlatformUndo;
  /** The replicas it hit (a crash's killed replicas). */
  replicas?: string[];
  /** Per-replica failures when some, not all, failed. */
  errors?: string[];
}

/** How a fault is applied. */
export type FaultMechanism =
  | {
      type: 'replica-endpoint';
      /** The faults to POST to each replica (one per point). */
      requests(params: FaultParams): ReplicaFaultSpec[];
    }
  | {
      type: 'runtime';
      /** The port operation it uses (for the catalogue listing). */
      operation: 'killReplica' | 'releaseVersion' | 'changeConfig' | 'setFlag' | 'startLoad';
      /** Whether `--replica` means anything for it. */
      acceptsReplica: boolean;
      /** Applies it; throws (a ChaosApplyError or the platform's error) when it reached nothing. */
      apply(context: RuntimeFaultContext): Promise<RuntimeFaultOutcome>;
    };

/** What a validator sees before anything is applied. */
export interface FaultValidationContext {
  platform: ChaosPlatform;
  target: string;
  params: FaultParams;
}

/** One entry of the fault catalogue. */
export interface FaultDefinition {
  /** The CLI's name (`opsloop chaos inject <name>`). */
  readonly name: string;
  /** One line for `opsloop chaos list`. */
  readonly summary: string;
  /** A strict object schema with defaults; every field documented with `.describe()`. */
  readonly params: z.ZodType<FaultParams, Record<string, unknown>>;
  readonly scope: FaultScope;
  readonly mechanism: FaultMechanism;
  /** Used when no duration is given; 0 = until cleared. */
  readonly defaultDurationMs: number;
  /** Happens at once (a crash): the injection ends when applied, and takes no duration. */
  readonly instant: boolean;
  readonly expectedCause: ExpectedCause;
  /** Target-specific checks (throws ChaosTargetError), after the params parsed. */
  readonly validate?: (context: FaultValidationContext) => void;
}

// A fault param as `opsloop chaos list` and the control API show it is a control API contract.
export type { FaultParamInfo };

/** A fault definition written with its schema's own param type (erased by {@link defineFault}). */
export interface FaultDefinitionInput<S extends z.ZodObject> {
  name: string;
  summary: string;
  params: S;
  scope: FaultScope;
  mechanism:
    | { type: 'replica-endpoint'; requests(params: z.output<S>): ReplicaFaultSpec[] }
    | {
        type: 'runtime';
        operation: 'killReplica' | 'releaseVersion' | 'changeConfig' | 'setFlag' | 'startLoad';
        acceptsReplica: boolean;
        apply(
          context: Omit<RuntimeFaultContext, 'params'> & { params: z.output<S> },
        ): Promise<RuntimeFaultOutcome>;
      };
  defaultDurationMs: number;
  instant?: boolean;
  expectedCause: ExpectedCause;
  validate?: (context: Omit<FaultValidationContext, 'params'> & { params: z.output<S> }) => void;
}

/**
 * Turns a typed definition into a catalogue entry. The casts are sound because the manager only ever hands
 * a mechanism params that came out of the same definition's schema.
 */
export function defineFault<S extends z.ZodObject>(input: FaultDefinitionInput<S>): FaultDefinition {
  type P = z.output<S>;
  const { mechanism, validate } = input;
  return {
    name: input.name,
    summary: input.summary,
    params: input.params as unknown as z.ZodType<FaultParams, Record<string, unknown>>,
    scope: input.scope,
    mechanism:
      mechanism.type === 'replica-endpoint'
        ? { type: 'replica-endpoint', requests: (params) => mechanism.requests(params as P) }
        : {
            type: 'runtime',
            operation: mechanism.operation,
            acceptsReplica: mechanism.acceptsReplica,
            apply: (context) => mechanism.apply({ ...context, params: context.params as P }),
          },
    defaultDurationMs: input.defaultDurationMs,
    instant: input.instant ?? false,
    expectedCause: input.expectedCause,
    ...(validate ? { validate: (context) => validate({ ...context, params: context.params as P }) } : {}),
  };
}

interface JsonSchemaProperty {
  type?: string;
  description?: string;
  default?: string | number | boolean;
  minimum?: number;
  maximum?: number;
  /** Numbers for numeric literals (an HTTP status). */
  enum?: (string | number)[];
  pattern?: string;
}

/** The params of a definition as data, read from its zod schema (so the listing never drifts from validation). */
export function faultParamInfo(definition: FaultDefinition): FaultParamInfo[] {
  const json = z.toJSONSchema(definition.params, { io: 'input' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const type =
      property.type === 'integer' || property.type === 'number' || property.type === 'boolean'
        ? property.type
        : 'string';
    const info: FaultParamInfo = {
      name,
      type,
      description: property.description ?? '',
      required: required.has(name),
    };
    if (property.default !== undefined) info.default = property.default;
    if (property.minimum !== undefined || property.maximum !== undefined) {
      info.range = `${property.minimum ?? '-∞'}..${property.maximum ?? '∞'}`;
    }
    if (property.enum !== undefined) info.values = [...property.enum];
    if (property.pattern !== undefined) info.pattern = property.pattern;
    return info;
  });
}
