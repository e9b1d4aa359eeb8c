/**
 * Content negotiation of `/metrics`: OpenMetrics 1.0 (with exemplars) for a scraper that prefers it, as
 * Prometheus does (`application/openmetrics-text;version=1.0.0,…;q=0.5,text/plain;version=0.0.4;q=0.2`),
 * the text format 0.0.4 for everyone else.
 */

interface AcceptEntry {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(header: string): AcceptEntry[] {
  return header
    .split(',')
    .map((part) => {
      const [mediaType = '', ...rawParams] = part.split(';');
      const params = new Map<string, string>();
      for (const raw of rawParams) {
        const eq = raw.indexOf('=');
        if (eq < 0) continue;
        params.set(
          raw.slice(0, eq).trim().toLowerCase(),
          raw
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        );
      }
      const q = Number(params.get('q') ?? '1');
      return { type: mediaType.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((entry) => entry.type !== '');
}

const OPENMETRICS_VERSIONS = new Set([undefined, '1.0.0', '0.0.1']);

/**
 * True when the `Accept` header ranks OpenMetrics text strictly above the 0.0.4 text format. Wildcards count
 * for the text format only, so a scraper that does not name OpenMetrics keeps getting what it always got.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return false;
  let openMetrics = 0;
  let text = 0;
  for (const entry of parseAccept(accept)) {
    if (entry.type === 'application/openmetrics-text') {
      if (OPENMETRICS_VERSIONS.has(entry.params.get('version'))) openMetrics = Math.max(openMetrics, entry.q);
    } else if (entry.type === 'text/plain') {
      const version = entry.params.get('version');
      if (version === undefined || version === '0.0.4') text = Math.max(text, entry.q);
    } else if (entry.type === 'text/*' || entry.type === '*/*') {
      text = Math.max(text, entry.q);
    }
  }
  return openMetrics > 0 && openMetrics > text;
}
