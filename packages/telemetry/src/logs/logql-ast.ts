/**
 * Our LogQL syntax tree: the subset the embedded store evaluates.
 *
 * - Log queries: a stream selector (`=`, `!=`, `=~`, `!~`) and a pipeline of line filters (`|=`, `!=`,
 *   `|~`, `!~`, with `or` alternatives), parsers (`| json`, `| json a="b.c"`, `| logfmt`, `| regexp`),
 *   label filters (string matchers, numbers, durations, bytes; `and`, `or`, `,`), `| line_format` with
 *   `{{.label}}` placeholders, `| drop` and `| keep`.
 * - Metric queries: range aggregations (`count_over_time`, `rate`, `bytes_over_time`, `bytes_rate`, and with
 *   `| unwrap`: `sum/avg/min/max/first/last/stddev/stdvar/quantile_over_time`, `rate`), with `offset`;
 *   vector aggregations `sum/avg/min/max/count/stddev/stdvar/topk/bottomk` with `by`/`without`.
 * Binary operators, `label_format`, `pattern`, `unpack`, `ip()` and `absent_over_time` are refused with a
 * parse error that says so.
 */
import type { LabelMatcher } from '../model/labels.js';

/** A line filter operator. */
export type LineFilterOp = '|=' | '!=' | '|~' | '!~';

/** A comparison of a label filter (`=` on numbers is `==`). */
export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** A line filter: `|= "a" or "b"` holds when the line contains any value; `!= "a" or "b"` when none. */
export interface LineFilterStage {
  readonly kind: 'lineFilter';
  readonly op: LineFilterOp;
  readonly values: readonly string[];
}

/** One `label="path"` of `| json label="path"` or `| logfmt label="key"`. */
export interface Extraction {
  readonly label: string;
  /** JSON: a path like `a.b[0]`, as written; logfmt: a key. */
  readonly expression: string;
}

/** `| json`, all fields flattened with `_` (or only the listed extractions). */
export interface JsonStage {
  readonly kind: 'json';
  readonly extractions: readonly Extraction[];
}

/** `| logfmt` (flags `--strict`, `--keep-empty`). */
export interface LogfmtStage {
  readonly kind: 'logfmt';
  readonly extractions: readonly Extraction[];
  readonly strict: boolean;
  readonly keepEmpty: boolean;
}

/** `| regexp "(?P<name>…)"`: named groups become labels. */
export interface RegexpStage {
  readonly kind: 'regexp';
  readonly pattern: string;
}

/** A label filter expression. */
export type LabelFilter =
  | { readonly kind: 'and' | 'or'; readonly left: LabelFilter; readonly right: LabelFilter }
  | { readonly kind: 'match'; readonly matcher: LabelMatcher }
  | {
      readonly kind: 'number' | 'duration' | 'bytes';
      readonly name: string;
      readonly op: CompareOp;
      /** The number; seconds for durations; bytes for sizes. */
      readonly value: number;
    };

/** `| <label filter>`. */
export interface LabelFilterStage {
  readonly kind: 'labelFilter';
  readonly filter: LabelFilter;
}

/** A piece of a `line_format` template: literal text or a label (`__line__` is the current line). */
export type TemplatePart = { readonly text: string } | { readonly label: string };

/** `| line_format "…{{.label}}…"`. */
export interface LineFormatStage {
  readonly kind: 'lineFormat';
  readonly parts: readonly TemplatePart[];
}

/** `| drop a, b` / `| keep a, b` (names only). */
export interface DropKeepStage {
  readonly kind: 'drop' | 'keep';
  readonly labels: readonly string[];
}

/** One stage of a pipeline. */
export type PipelineStage =
  | LineFilterStage
  | JsonStage
  | LogfmtStage
  | RegexpStage
  | LabelFilterStage
  | LineFormatStage
  | DropKeepStage;

/** A log query: selector and pipeline. */
export interface LogQueryExpr {
  readonly kind: 'log';
  readonly matchers: readonly LabelMatcher[];
  readonly pipeline: readonly PipelineStage[];
}

/** Range aggregation operators. */
export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'sum_over_time'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time';

/** Vector aggregation operators. */
export type VectorOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'topk' | 'bottomk';

/** `by (a, b)` or `without (a, b)`. */
export interface Grouping {
  readonly without: boolean;
  readonly labels: readonly string[];
}

/** `| unwrap [conversion(]label[)]` and the label filters after it. */
export interface Unwrap {
  readonly label: string;
  readonly conversion: 'none' | 'bytes' | 'duration' | 'duration_seconds';
  readonly filters: readonly LabelFilter[];
}

/** `op([param,] selector pipeline [range] [offset d] [| unwrap …]) [grouping]`. */
export interface RangeAggregationExpr {
  readonly kind: 'range';
  readonly op: RangeOp;
  /** The φ of `quantile_over_time`. */
  readonly param: number | undefined;
  readonly log: LogQueryExpr;
  readonly rangeMs: number;
  readonly offsetMs: number;
  readonly unwrap: Unwrap | undefined;
  readonly grouping: Grouping | undefined;
}

/** `op [grouping] ([param,] expr) [grouping]`. */
export interface VectorAggregationExpr {
  readonly kind: 'vector';
  readonly op: VectorOp;
  /** The k of `topk`/`bottomk`. */
  readonly param: number | undefined;
  readonly grouping: Grouping | undefined;
  readonly inner: MetricExpr;
}

/** A metric query. */
export type MetricExpr = RangeAggregationExpr | VectorAggregationExpr;

/** A parsed LogQL query. */
export type LogqlExpr = LogQueryExpr | MetricExpr;
