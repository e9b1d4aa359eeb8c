/**
 * Test support: builds {@link TraceSpan}s by hand, and the reference shop trace (gateway → checkout →
 * {inventory, payments, orders}, orders → event → notifications) used by the dependency-graph, store and
 * contract tests.
 */
import { msToNanos, newAttributes, type AttributeValue, type SpanKind, type TraceSpan } from '../span.js';

/** The fields a test gives for one span. */
export interface SpanSpec {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly service: string;
  readonly name: string;
  readonly kind?: SpanKind;
  /** Start, ms since the epoch (whole microseconds, so every backend keeps it exactly). */
  readonly startMs: number;
  readonly durationMs: number;
  readonly error?: boolean;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly resource?: Readonly<Record<string, AttributeValue>>;
}

/** A span from a spec. */
export function makeSpan(spec: SpanSpec): TraceSpan {
  const start = msToNanos(spec.startMs);
  return {
    traceId: spec.traceId,
    spanId: spec.spanId,
    ...(spec.parentSpanId === undefined ? {} : { parentSpanId: spec.parentSpanId }),
    name: spec.name,
    kind: spec.kind ?? 'internal',
    startTimeUnixNano: start,
    endTimeUnixNano: start + msToNanos(spec.durationMs),
    attributes: Object.assign(newAttributes(), spec.attributes),
    resource: Object.assign(newAttributes(), { 'service.name': spec.service }, spec.resource),
    scope: { name: 'opsloop-test' },
    events: [],
    links: [],
    status: spec.error === true ? { code: 'error', message: 'failed' } : { code: 'unset' },
    flags: 1,
  };
}

/** A deterministic id: `n` as `hexDigits` lower-case hex (never zero for n > 0). */
export function testId(n: number, hexDigits: 16 | 32): string {
  return n.toString(16).padStart(hexDigits, '0');
}

/** Options of {@link shopTrace}. */
export interface ShopTraceOptions {
  /** Trace number (ids derive from it). */
  readonly n: number;
  readonly startMs: number;
  /** Extra latency of the payments call, ms. */
  readonly paymentsMs?: number;
  /** Payments fails (its SERVER span and checkout's CLIENT span have error status). */
  readonly paymentsFails?: boolean;
  /** Attributes added to the payments SERVER span. */
  readonly paymentsAttributes?: Readonly<Record<string, AttributeValue>>;
}

/**
 * The reference checkout trace: gateway SERVER → gateway CLIENT → checkout SERVER → checkout CLIENT ×3 →
 * inventory / payments / orders SERVER; orders PRODUCER → notifications CONSUMER, orders → postgresql (12 spans; 7 when
 * payments fails and the checkout stops there).
 */
export function shopTrace(options: ShopTraceOptions): TraceSpan[] {
  const traceId = testId(options.n, 32);
  let next = options.n * 100;
  const id = () => testId(++next, 16);
  const t = options.startMs;
  const pay = options.paymentsMs ?? 20;
  const fails = options.paymentsFails === true;
  const spans: SpanSpec[] = [];
  const add = (spec: Omit<SpanSpec, 'traceId' | 'spanId'>): string => {
    const spanId = id();
    spans.push({ ...spec, traceId, spanId });
    return spanId;
  };
  const total = 60 + pay;
  const root = add({
    service: 'gateway',
    name: 'POST /api/checkout',
    kind: 'server',
    startMs: t,
    durationMs: total,
    attributes: { 'http.route': '/api/checkout', 'http.response.status_code': fails ? 502 : 201 },
    error: fails,
  });
  const gwClient = add({
    parentSpanId: root,
    service: 'gateway',
    name: 'POST',
    kind: 'client',
    startMs: t + 1,
    durationMs: total - 2,
    attributes: { 'server.address': 'checkout' },
    error: fails,
  });
  const checkout = add({
    parentSpanId: gwClient,
    service: 'checkout',
    name: 'POST /checkout',
    kind: 'server',
    startMs: t + 2,
    durationMs: total - 4,
    attributes: { 'http.route': '/checkout' },
    error: fails,
  });
  const inv = add({
    parentSpanId: checkout,
    service: 'checkout',
    name: 'inventory.Reserve',
    kind: 'client',
    startMs: t + 3,
    durationMs: 10,
    attributes: { 'rpc.service': 'inventory', 'rpc.method': 'Reserve' },
  });
  add({
    parentSpanId: inv,
    service: 'inventory',
    name: 'inventory.Reserve',
    kind: 'server',
    startMs: t + 4,
    durationMs: 8,
    attributes: { 'rpc.service': 'inventory' },
  });
  const payClient = add({
    parentSpanId: checkout,
    service: 'checkout',
    name: 'payments.Charge',
    kind: 'client',
    startMs: t + 14,
    durationMs: pay + 4,
    error: fails,
  });
  add({
    parentSpanId: payClient,
    service: 'payments',
    name: 'payments.Charge',
    kind: 'server',
    startMs: t + 15,
    durationMs: pay + 2,
    error: fails,
    attributes: { 'rpc.service': 'payments', ...options.paymentsAttributes },
  });
  if (!fails) {
    const ordClient = add({
      parentSpanId: checkout,
      service: 'checkout',
      name: 'POST',
      kind: 'client',
      startMs: t + pay + 20,
      durationMs: 30,
      attributes: { 'server.address': 'orders' },
    });
    const orders = add({
      parentSpanId: ordClient,
      service: 'orders',
      name: 'POST /orders',
      kind: 'server',
      startMs: t + pay + 21,
      durationMs: 28,
      attributes: { 'http.route': '/orders' },
    });
    add({
      parentSpanId: orders,
      service: 'orders',
      name: 'INSERT orders',
      kind: 'client',
      startMs: t + pay + 22,
      durationMs: 5,
      attributes: { 'db.system': 'postgresql' },
      resource: {},
    });
    const publish = add({
      parentSpanId: orders,
      service: 'orders',
      name: 'orders.placed publish',
      kind: 'producer',
      startMs: t + pay + 30,
      durationMs: 2,
      attributes: { 'messaging.destination.name': 'orders.placed' },
    });
    add({
      parentSpanId: publish,
      service: 'notifications',
      name: 'orders.placed process',
      kind: 'consumer',
      startMs: t + pay + 40,
      durationMs: 12,
      attributes: { 'messaging.destination.name': 'orders.placed' },
    });
  }
  return spans.map(makeSpan);
}
