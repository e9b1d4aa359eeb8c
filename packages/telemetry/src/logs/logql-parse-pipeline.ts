/**
 * Syntax tree → AST for the log part of LogQL: stream selectors, pipeline stages and label filters.
 */
import type { LabelMatcher, MatchType } from '../model/labels.js';
import type {
  CompareOp,
  Extraction,
  LabelFilter,
  LineFilterOp,
  PipelineStage,
  TemplatePart,
} from './logql-ast.js';
import { children, collect, type QuerySource, type SyntaxNode } from './logql-parse-error.js';
import { compileGoRegex, compileMatcher } from './logql-regex.js';
import { parseBytes } from './logql-units.js';

const MATCH_OPS: Readonly<Record<string, MatchType>> = { Eq: '=', Neq: '!=', Re: '=~', Nre: '!~' };
const FILTER_OPS: Readonly<Record<string, LineFilterOp>> = {
  PipeExact: '|=',
  Neq: '!=',
  PipeMatch: '|~',
  Nre: '!~',
};
const COMPARE_OPS: Readonly<Record<string, CompareOp>> = {
  Gtr: '>',
  Gte: '>=',
  Lss: '<',
  Lte: '<=',
  Neq: '!=',
  Eq: '==',
  Eql: '==',
};
const EMPTY_SELECTOR =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
  'For instance, app=~".*" does not meet this requirement, but app=~".+" will';

/** One `name op "value"` matcher; regexes are checked here so a bad one is a parse error. */
export function parseMatcher(src: QuerySource, node: SyntaxNode): LabelMatcher {
  const name = src.slice(src.child(node, 'Identifier'));
  const opNode = children(node).find((c) => MATCH_OPS[c.name] !== undefined);
  const valueNode = node.getChild('String');
  if (opNode === undefined || valueNode === null) src.fail(node, 'syntax error: incomplete matcher');
  const matcher: LabelMatcher = { name, type: MATCH_OPS[opNode.name]!, value: src.string(valueNode) };
  try {
    compileMatcher(matcher);
  } catch (error) {
    src.fail(valueNode, `error parsing regexp: ${(error as Error).message}`);
  }
  return matcher;
}

/** The matchers of a Selector node, checked to select something (as Loki requires). */
export function parseSelector(src: QuerySource, node: SyntaxNode): LabelMatcher[] {
  const matchers = collect(node, 'Matcher').map((m) => parseMatcher(src, m));
  const selective = matchers.some((m) => (m.type === '=' || m.type === '=~') && !compileMatcher(m)(''));
  if (!selective) src.fail(node, EMPTY_SELECTOR);
  return matchers;
}

/** The stages of a PipelineExpr node, in order. */
export function parsePipeline(src: QuerySource, node: SyntaxNode | null): PipelineStage[] {
  if (node === null) return [];
  const stages: PipelineStage[] = [];
  for (const stage of collect(node, 'PipelineStage')) {
    const lineFilters = stage.getChild('LineFilters');
    if (lineFilters !== null) {
      for (const filter of collect(lineFilters, 'LineFilter')) stages.push(parseLineFilter(src, filter));
      continue;
    }
    const body = children(stage).find((c) => c.name !== 'Pipe');
    if (body === undefined) src.fail(stage, 'syntax error: empty pipeline stage');
    stages.push(parseStage(src, body));
  }
  return stages;
}

function parseLineFilter(src: QuerySource, node: SyntaxNode): PipelineStage {
  const opNode = src.child(node, 'Filter').firstChild;
  const op = opNode === null ? undefined : FILTER_OPS[opNode.name];
  if (op === undefined) src.fail(node, `unsupported line filter ${src.slice(node).split(/\s/)[0] ?? ''}`);
  if (node.getChild('FilterOp') !== null) src.fail(node, 'unsupported line filter: ip()');
  const values = collect(node, 'String').map((s) => {
    const value = src.string(s);
    if (op === '|~' || op === '!~') {
      try {
        compileGoRegex(value, false);
      } catch (error) {
        src.fail(s, `error parsing regexp: ${(error as Error).message}`);
      }
    }
    return value;
  });
  if (values.length === 0) src.fail(node, 'syntax error: line filter without a value');
  return { kind: 'lineFilter', op, values };
}

function parseStage(src: QuerySource, node: SyntaxNode): PipelineStage {
  switch (node.name) {
    case 'LabelParser': {
      const kind = node.firstChild?.name;
      if (kind === 'Json') return { kind: 'json', extractions: [] };
      if (kind === 'Regexp') {
        const pattern = src.string(src.child(node, 'String'));
        try {
          compileGoRegex(pattern, false);
        } catch (error) {
          src.fail(node, `error parsing regexp: ${(error as Error).message}`);
        }
        return { kind: 'regexp', pattern };
      }
      return src.fail(node, `unsupported parser: ${src.slice(node).split(/\s/)[0] ?? ''}`);
    }
    case 'JsonExpressionParser':
      return { kind: 'json', extractions: parseExtractions(src, node) };
    case 'LogfmtParser':
    case 'LogfmtExpressionParser': {
      const flags = collect(node, 'ParserFlag').map((f) => src.slice(f));
      for (const flag of flags) {
        if (flag !== '--strict' && flag !== '--keep-empty') src.fail(node, `unsupported logfmt flag ${flag}`);
      }
      return {
        kind: 'logfmt',
        extractions: node.name === 'LogfmtParser' ? [] : parseExtractions(src, node),
        strict: flags.includes('--strict'),
        keepEmpty: flags.includes('--keep-empty'),
      };
    }
    case 'LabelFilter':
      return { kind: 'labelFilter', filter: parseLabelFilter(src, node) };
    case 'LineFormatExpr': {
      const literal = src.child(node, 'String');
      return { kind: 'lineFormat', parts: parseTemplate(src, literal, src.string(literal)) };
    }
    case 'DropLabelsExpr':
    case 'KeepLabelsExpr': {
      const items = collect(node, node.name === 'DropLabelsExpr' ? 'DropLabel' : 'KeepLabel');
      const labels = items.map((item) => {
        if (item.getChild('Matcher') !== null) src.fail(item, 'unsupported: drop/keep with a matcher');
        return src.slice(item).trim();
      });
      return { kind: node.name === 'DropLabelsExpr' ? 'drop' : 'keep', labels };
    }
    default:
      return src.fail(node, `unsupported pipeline stage: ${src.slice(node).split(/\s/)[0] ?? node.name}`);
  }
}

function parseExtractions(src: QuerySource, node: SyntaxNode): Extraction[] {
  return collect(node, 'LabelExtractionExpression').map((e) => {
    const label = src.slice(src.child(e, 'Identifier'));
    const value = e.getChild('String');
    return { label, expression: value === null ? label : src.string(value) };
  });
}

/** A LabelFilter node (recursive: parentheses, `and`, `,`, `or`). */
export function parseLabelFilter(src: QuerySource, node: SyntaxNode): LabelFilter {
  const kids = children(node);
  const subs = kids.filter((k) => k.name === 'LabelFilter');
  if (subs.length === 2) {
    const kind = kids.some((k) => k.name === 'Or') ? 'or' : 'and';
    return { kind, left: parseLabelFilter(src, subs[0]!), right: parseLabelFilter(src, subs[1]!) };
  }
  if (subs.length === 1) return parseLabelFilter(src, subs[0]!);
  const first = kids[0];
  if (first === undefined) src.fail(node, 'syntax error: empty label filter');
  if (first.name === 'Matcher') {
    const matcher = parseMatcher(src, first);
    return { kind: 'match', matcher };
  }
  if (first.name === 'IpLabelFilter') src.fail(first, 'unsupported label filter: ip()');
  const filter = first.name === 'UnitFilter' ? (first.firstChild ?? first) : first;
  const name = src.slice(src.child(filter, 'Identifier'));
  const opNode = children(filter).find((c) => COMPARE_OPS[c.name] !== undefined);
  if (opNode === undefined) src.fail(filter, 'syntax error: missing comparison');
  const op = COMPARE_OPS[opNode.name]!;
  if (filter.name === 'DurationFilter') {
    const literal = src.child(filter, 'Duration');
    return { kind: 'duration', name, op, value: src.durationMs(literal) / 1000 };
  }
  if (filter.name === 'BytesFilter') {
    const literal = src.child(filter, 'Bytes');
    const value = parseBytes(src.slice(literal));
    if (value === undefined) src.fail(literal, `invalid bytes value ${src.slice(literal)}`);
    return { kind: 'bytes', name, op, value };
  }
  if (filter.name !== 'NumberFilter') src.fail(filter, `unsupported label filter ${src.slice(filter)}`);
  const literal = filter.getChild('LiteralExpr') ?? src.child(filter, 'Number');
  const value = Number(src.slice(literal).replace(/\s+/g, ''));
  if (!Number.isFinite(value)) src.fail(literal, `invalid number ${src.slice(literal)}`);
  return { kind: 'number', name, op, value };
}

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;

/** `{{.label}}` and `{{ __line__ }}` templates (with `{{-`/`-}}` trimming); anything else is refused. */
export function parseTemplate(src: QuerySource, node: SyntaxNode, template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of template.matchAll(ACTION)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.trimStart();
    if (m[1] === '-') text = text.trimEnd();
    if (text !== '') parts.push({ text });
    const action = m[2]!;
    const field = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
    if (field !== null) parts.push({ label: field[1]! });
    else if (action === '__line__') parts.push({ label: '__line__' });
    else src.fail(node, `unsupported template action {{${action}}} (only {{.label}} and {{__line__}})`);
    trimNext = m[3] === '-';
    last = m.index + m[0].length;
  }
  let rest = template.slice(last);
  if (trimNext) rest = rest.trimStart();
  if (rest.includes('{{')) src.fail(node, 'template: unclosed action');
  if (rest !== '') parts.push({ text: rest });
  return parts;
}
