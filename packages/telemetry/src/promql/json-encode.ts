/**
 * The Prometheus API's success body for a query result, written straight into one string: a 24 h range
 * query returns ~100 000 points, and building a `[seconds, "value"]` array per point for JSON.stringify cost
 * more than evaluating the query. The text is exactly what `JSON.stringify({ status: 'success', data:
 * formatQueryResult(result) })` gives.
 */
import { formatApiValue } from './go-compat.js';
import type { QueryResult } from './result.js';

function point(timestampMs: number, value: number): string {
  // Values print as digits, '.', 'e', signs, NaN or Inf: nothing JSON needs to escape.
  return `[${JSON.stringify(timestampMs / 1000)},"${formatApiValue(value)}"]`;
}

/** `{"status":"success","data":{…}}` for `result`, as Prometheus encodes it. */
export function encodeQuerySuccess(result: QueryResult): string {
  let data: string;
  switch (result.resultType) {
    case 'matrix': {
      const parts: string[] = [];
      for (const s of result.result) {
        const points: string[] = new Array<string>(s.values.length);
        for (let i = 0; i < s.values.length; i++) points[i] = point(s.timestampsMs[i]!, s.values[i]!);
        parts.push(`{"metric":${JSON.stringify(s.metric)},"values":[${points.join(',')}]}`);
      }
      data = `{"resultType":"matrix","result":[${parts.join(',')}]}`;
      break;
    }
    case 'vector': {
      const parts = result.result.map(
        (s) => `{"metric":${JSON.stringify(s.metric)},"value":${point(s.timestampMs, s.value)}}`,
      );
      data = `{"resultType":"vector","result":[${parts.join(',')}]}`;
      break;
    }
    case 'scalar':
      data = `{"resultType":"scalar","result":${point(result.result.timestampMs, result.result.value)}}`;
      break;
    case 'string':
      data = JSON.stringify({
        resultType: 'string',
        result: [result.result.timestampMs / 1000, result.result.value],
      });
      break;
  }
  return `{"status":"success","data":${data}}`;
}
