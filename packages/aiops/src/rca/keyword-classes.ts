/**
 * Generic keyword classes of log templates and lifecycle details: what a message says about the fault, with
 * no service or product names (a template is masked text such as `database query failed: <*>`).
 */

/** What a message points at. */
export type KeywordClass = 'database' | 'provider' | 'connection' | 'memory' | 'hang' | 'overload' | 'bus';

const CLASSES: readonly (readonly [KeywordClass, RegExp])[] = [
  [
    'database',
    /\b(database|db|sql|query|queries|postgres(ql)?|pglite|mysql|mariadb|sqlite|redis|mongo(db)?|deadlock|transaction|connection pool|pool exhausted)\b/i,
  ],
  ['provider', /\b(provider|third[- ]party|external (api|service)|acquirer|psp)\b/i],
  [
    'connection',
    /(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|\bUNAVAILABLE\b|connection (refused|reset|closed)|connect(ion)? failed|failed to connect|socket hang up|no route to host|\bunreachable\b|getaddrinfo)/i,
  ],
  [
    'memory',
    /(out of memory|\boom\b|oom.?kill|heap (limit|out|exhausted)|allocation failed|memory (limit|exhausted|pressure))/i,
  ],
  [
    'hang',
    /(event loop|\bblocked\b|unresponsive|\bhang(ing|s)?\b|liveness|probe (failed|timed? ?out)|health.?check (failed|timed? ?out)|not responding|watchdog)/i,
  ],
  [
    'overload',
    /(\b429\b|rate.?limit|too many requests|overload|throttl|load.?shed|queue (is )?full|backpressure|over capacity)/i,
  ],
  // The event bus is the platform's, not a dependency of the service: its stalls are the service's failure.
  ['bus', /\b(bus|publish(ing|ed)?|subscri(ber|ption)|jetstream|nats|outbox|message broker)\b/i],
];

/** The classes `text` belongs to (often none). */
export function keywordClasses(text: string): Set<KeywordClass> {
  const found = new Set<KeywordClass>();
  for (const [name, pattern] of CLASSES) if (pattern.test(text)) found.add(name);
  return found;
}

/** Classes that say a resource the service uses failed. */
export const DEPENDENCY_CLASSES: readonly KeywordClass[] = ['database', 'provider', 'connection'];

/** Classes that say the service ran out of a resource or stopped answering. */
export const SATURATION_CLASSES: readonly KeywordClass[] = ['memory', 'hang'];
