// Test support for detector authors: seeded synthetic series with one known anomaly (no vitest import
// here, so scripts can use it too; the property suite is in ./detector-properties.js).
export { seededRandom, type SeededRandom } from './seeded-random.js';
export {
  ANOMALY_KINDS,
  anomalyMargin,
  scoreSeries,
  syntheticSeries,
  type AnomalyKind,
  type AnomalyMargin,
  type SyntheticSeries,
  type SyntheticSeriesOptions,
} from './synthetic-series.js';
