import { parseJsonLogLine } from '../json-line.js';
import { TemplateMiner, type TemplateMinerOptions, type TemplateMinerSnapshot } from '../template-miner.js';
import { ErrorBurstTracker, type ErrorBurstOptions, type ErrorBurstSnapshot } from './error-burst.js';
import { atLeast, levelOf, levelOfPlainLine, type LogLevel } from './log-level.js';

/** One template of one service, as `opsloop logs templates` shows it. */
export interface TemplateSummary {
  readonly templateId: string;
  readonly template: string;
  /** Lines, all levels. */
  readonly count: number;
  readonly levels: Readonly<Partial<Record<LogLevel, number>>>;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** The first line seen (its message). */
  readonly example: string;
}

/** Something in a service's logs worth a look. */
export type LogEvent =
  | {
      readonly kind: 'new-template';
      readonly service: string;
      readonly atMs: number;
      readonly level: LogLevel;
      readonly templateId: string;
      readonly template: string;
      readonly example: string;
    }
  | {
      readonly kind: 'error-burst';
      readonly service: string;
      readonly atMs: number;
      /** Errors in the minute that started it. */
      readonly errors: number;
      /** The usual errors per minute before it. */
      readonly baselinePerMinute: number;
      /** The templates of that minute's errors, most frequent first (at most 5). */
      readonly topTemplates: readonly { templateId: string; template: string; count: number }[];
    };

/** A cumulative count of lines of one template at one level (`log_template_events_total`). */
export interface LogTemplateCounter {
  readonly service: string;
  readonly templateId: string;
  readonly level: LogLevel;
  readonly count: number;
}

export interface LogInsightsOptions {
  miner?: Omit<TemplateMinerOptions, 'onEvict'>;
  burst?: ErrorBurstOptions;
  /** A service's templates are all new at first: new ones are reported after this many lines (default 500)… */
  warmupLines?: number;
  /** …and this long after its first line (default 10 minutes). */
  warmupMs?: number;
  /** The least level at which a never-seen template is reported (default warn). */
  newTemplateLevel?: LogLevel;
  /** Events kept, newest kept (default 500). */
  maxEvents?: number;
  onEvent?: (event: LogEvent) => void;
  /** A template was forgotten to keep memory bounded (the miner's least recently used). */
  onEvict?: (service: string, templateId: string, template: string) => void;
}

interface TemplateStats {
  template: string;
  levels: Partial<Record<LogLevel, number>>;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  example: string;
}

interface ServiceState {
  miner: TemplateMiner;
  templates: Map<string, TemplateStats>;
  burst: ErrorBurstTracker;
  /** Error lines per template in the last minute's buckets (for a burst's top templates). */
  recentErrors: Map<string, number>;
  lines: number;
  firstLineMs: number;
}

/** The whole state as plain JSON. */
export interface LogInsightsSnapshot {
  readonly version: 1;
  readonly services: Record<
    string,
    {
      miner: TemplateMinerSnapshot;
      templates: [string, TemplateStats][];
      burst: ErrorBurstSnapshot;
      lines: number;
      firstLineMs: number;
    }
  >;
  readonly events: LogEvent[];
}

const EXAMPLE_MAX = 500;

/**
 * Log intelligence over every service's output: each line (a JSON log's message, or the plain line) is mined
 * into its template online; counts per template and level, first and last seen and an example are kept; a
 * never-seen template at warning level or above and a burst of errors become events. State is plain JSON, so
 * template ids and counts survive restarts.
 */
export class LogInsights {
  private readonly services = new Map<string, ServiceState>();
  private events: LogEvent[] = [];
  private readonly warmupLines: number;
  private readonly warmupMs: number;
  private readonly newTemplateLevel: LogLevel;
  private readonly maxEvents: number;

  constructor(
    private readonly options: LogInsightsOptions = {},
    snapshot?: LogInsightsSnapshot,
  ) {
    this.warmupLines = options.warmupLines ?? 500;
    this.warmupMs = options.warmupMs ?? 600_000;
    this.newTemplateLevel = options.newTemplateLevel ?? 'warn';
    this.maxEvents = options.maxEvents ?? 500;
    if (snapshot) {
      for (const [service, s] of Object.entries(snapshot.services)) {
        const state = this.serviceState(service, s.firstLineMs);
        state.miner.restore(s.miner);
        state.templates = new Map(s.templates);
        state.burst = new ErrorBurstTracker(options.burst, s.burst);
        state.lines = s.lines;
      }
      this.events = [...snapshot.events].slice(-this.maxEvents);
    }
  }

  /** Mines one line of `service`'s output, seen at `atMs`. */
  observe(service: string, line: string, atMs: number): void {
    const json = parseJsonLogLine(line);
    const content = (json?.content ?? line).trim();
    if (content === '') return;
    const level = json ? levelOf(json.labels['level']) : levelOfPlainLine(content);
    const state = this.serviceState(service, atMs);
    state.lines += 1;
    const result = state.miner.mine(content);
    for (const merged of result.mergedIds) this.absorb(state, merged, result.templateId);
    let stats = state.templates.get(result.templateId);
    if (stats === undefined) {
      stats = {
        template: result.template,
        levels: {},
        count: 0,
        firstSeenMs: atMs,
        lastSeenMs: atMs,
        example: content.slice(0, EXAMPLE_MAX),
      };
      state.templates.set(result.templateId, stats);
    }
    stats.template = result.template;
    stats.count += 1;
    stats.levels[level] = (stats.levels[level] ?? 0) + 1;
    stats.lastSeenMs = atMs;

    const warm = state.lines > this.warmupLines && atMs - state.firstLineMs >= this.warmupMs;
    if (result.change === 'created' && warm && atLeast(level, this.newTemplateLevel)) {
      this.emit({
        kind: 'new-template',
        service,
        atMs,
        level,
        templateId: result.templateId,
        template: result.template,
        example: stats.example,
      });
    }
    if (atLeast(level, 'error')) {
      state.burst.advance(atMs);
      // The templates of the errors since the last error-free minute: what a burst is made of.
      if (state.burst.lastMinute === 0) state.recentErrors.clear();
      state.recentErrors.set(result.templateId, (state.recentErrors.get(result.templateId) ?? 0) + 1);
      const baseline = state.burst.baseline;
      if (state.burst.error(atMs) === 'started') {
        this.emit({
          kind: 'error-burst',
          service,
          atMs,
          errors: state.burst.lastMinute,
          baselinePerMinute: baseline,
          topTemplates: [...state.recentErrors]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 5)
            .map(([templateId, count]) => ({
              templateId,
              template: state.templates.get(templateId)?.template ?? '',
              count,
            })),
        });
      }
    }
  }

  /** Services seen, sorted. */
  serviceNames(): string[] {
    return [...this.services.keys()].sort();
  }

  /** The templates of `service`, most frequent first; `undefined` for a service never seen. */
  templates(service: string): TemplateSummary[] | undefined {
    const state = this.services.get(service);
    if (state === undefined) return undefined;
    return [...state.templates]
      .map(([templateId, s]) => ({ templateId, ...s, levels: { ...s.levels } }))
      .sort((a, b) => b.count - a.count || a.firstSeenMs - b.firstSeenMs);
  }

  /** Cumulative counts per service, template and level. */
  counters(): LogTemplateCounter[] {
    const out: LogTemplateCounter[] = [];
    for (const [service, state] of this.services) {
      for (const [templateId, s] of state.templates) {
        for (const [level, count] of Object.entries(s.levels)) {
          out.push({ service, templateId, level: level as LogLevel, count });
        }
      }
    }
    return out;
  }

  /** Events, newest first. */
  recentEvents(filter: { service?: string; limit?: number } = {}): LogEvent[] {
    const out: LogEvent[] = [];
    for (let i = this.events.length - 1; i >= 0 && out.length < (filter.limit ?? Infinity); i--) {
      const e = this.events[i]!;
      if (filter.service === undefined || e.service === filter.service) out.push(e);
    }
    return out;
  }

  snapshot(): LogInsightsSnapshot {
    const services: LogInsightsSnapshot['services'] = {};
    for (const [service, s] of this.services) {
      services[service] = {
        miner: s.miner.snapshot(),
        templates: [...s.templates].map(([id, t]) => [id, { ...t, levels: { ...t.levels } }]),
        burst: s.burst.snapshot(),
        lines: s.lines,
        firstLineMs: s.firstLineMs,
      };
    }
    return { version: 1, services, events: [...this.events] };
  }

  private serviceState(service: string, atMs: number): ServiceState {
    let state = this.services.get(service);
    if (state === undefined) {
      const templates = new Map<string, TemplateStats>();
      state = {
        miner: new TemplateMiner({
          ...this.options.miner,
          onEvict: (evicted) => {
            templates.delete(evicted.templateId);
            this.options.onEvict?.(service, evicted.templateId, evicted.template);
          },
        }),
        templates,
        burst: new ErrorBurstTracker(this.options.burst),
        recentErrors: new Map(),
        lines: 0,
        firstLineMs: atMs,
      };
      this.services.set(service, state);
    }
    return state;
  }

  /** Folds a merged-away template's figures into the one that absorbed it. */
  private absorb(state: ServiceState, from: string, into: string): void {
    const gone = state.templates.get(from);
    if (gone === undefined || from === into) return;
    state.templates.delete(from);
    const kept = state.templates.get(into);
    if (kept === undefined) {
      state.templates.set(into, gone);
      return;
    }
    kept.count += gone.count;
    for (const [level, n] of Object.entries(gone.levels)) {
      const l = level as LogLevel;
      kept.levels[l] = (kept.levels[l] ?? 0) + (n ?? 0);
    }
    if (gone.firstSeenMs < kept.firstSeenMs) {
      kept.firstSeenMs = gone.firstSeenMs;
      kept.example = gone.example;
    }
  }

  private emit(event: LogEvent): void {
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events = this.events.slice(-this.maxEvents);
    this.options.onEvent?.(event);
  }
}
