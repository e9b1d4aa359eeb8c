// Regenerates the Prometheus rules and Grafana dashboards of this folder from shop-slos.json with the
// telemetry package's generators (packages/telemetry/src/alerting). Build first:
//   npx tsc -b packages/telemetry && node deploy/observability/generate.mjs
// packages/telemetry/test/deploy-observability.test.ts fails when the files and the code disagree.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// OPSLOOP_TELEMETRY_DIST points at another build output (e.g. a scratch `tsc --outDir`).
const dist = resolve(process.env.OPSLOOP_TELEMETRY_DIST ?? join(here, '../../packages/telemetry/dist'));
const { renderObservabilityAssets } = await import(
  pathToFileURL(join(dist, 'alerting/observability-assets.js')).href
);

const input = JSON.parse(readFileSync(join(here, 'shop-slos.json'), 'utf8'));
const files = renderObservabilityAssets(input);
for (const [path, content] of Object.entries(files)) {
  const target = join(here, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote deploy/observability/${path}`);
}
