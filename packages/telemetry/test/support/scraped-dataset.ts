import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSeededRandom } from '@opsloop/kit';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SampleAppender } from '../../src/model/series-store.js';
import type { Labels } from '../../src/model/labels.js';
import { appendScrape } from '../../src/scrape/scrape-once.js';
import { createHttpScrapeFetch } from '../../src/scrape/http-scrape-fetch.js';

/** A simulated service process: a prom-client registry like the kit's, mutated between scrapes. */
interface FakeTarget {
  name: string;
  job: string;
  registry: Registry;
  tick(random: () => number): void;
}

function fakeTarget(job: string, name: string): FakeTarget {
  const registry = new Registry();
  registry.setDefaultLabels({ service: job });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Latency.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const memory = new Gauge({ name: 'memory_bytes', help: 'Memory.', registers: [registry] });
  const temperature = new Gauge({
    name: 'temperature_celsius',
    help: 'A gauge that goes below zero.',
    labelNames: ['sensor'],
    registers: [registry],
  });
  const routes = ['/orders', '/orders/:id', '/health'];
  return {
    name,
    job,
    registry,
    tick(random) {
      for (const route of routes) {
        const ok = Math.floor(random() * 20);
        requests.inc({ route, method: 'GET', status: '200' }, ok);
        if (random() < 0.3)
          requests.inc({ route, method: 'POST', status: '500' }, 1 + Math.floor(random() * 3));
        for (let i = 0; i < ok; i += 1) duration.observe({ route }, random() ** 3 * 1.5);
      }
      memory.set(50_000_000 + Math.floor(random() * 10_000_000));
      temperature.set({ sensor: 'a' }, Math.round((random() * 40 - 15) * 100) / 100);
      temperature.set({ sensor: 'b' }, Math.round((random() * 10 + 5) * 1000) / 1000);
    },
  };
}

/** What was scraped: the time range and how many scrapes. */
export interface ScrapedDataset {
  startMs: number;
  endMs: number;
  scrapes: number;
}

/**
 * Scrapes simulated services over loopback HTTP with the embedded scraper, one scrape every 15 s of simulated
 * time for an hour, with the churn a real system has: a process restart (counter reset) at 30 min, a target
 * that goes away at 45 min (staleness markers), one that appears at 20 min, one scrape that fails.
 */
export async function scrapeDataset(appender: SampleAppender, startMs: number): Promise<ScrapedDataset> {
  const random = createSeededRandom(20261206);
  const targets = new Map<string, FakeTarget>();
  const server = createServer((req, res) => {
    const name = /^\/([\w-]+)\/metrics$/.exec(req.url ?? '')?.[1];
    const target = name === undefined ? undefined : targets.get(name);
    if (target === undefined || name === 'broken') {
      res.statusCode = 503;
      res.end();
      return;
    }
    void target.registry.metrics().then((text) => {
      res.setHeader('content-type', target.registry.contentType);
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetchText = createHttpScrapeFetch();
  const previous = new Map<string, Map<string, Labels>>();
  const add = (job: string, name: string) => targets.set(name, fakeTarget(job, name));
  add('orders', 'orders-1');
  add('orders', 'orders-2');
  add('payments', 'payments-1');
  const steps = 240;
  let scrapes = 0;
  try {
    for (let step = 0; step <= steps; step += 1) {
      const t = startMs + step * 15_000;
      if (step === 80) add('catalog', 'catalog-2');
      if (step === 120) add('orders', 'orders-2'); // restarted: its counters start again from 0
      const removed = step === 180 ? targets.get('payments-1') : undefined;
      if (removed) targets.delete('payments-1');
      for (const target of targets.values()) target.tick(random);
      const scrapeList = [...targets.values()].map((x) => x.name);
      if (removed) scrapeList.push('payments-1');
      for (const name of scrapeList) {
        const job = targets.get(name)?.job ?? 'payments';
        const labels = { job, instance: name };
        const url =
          step === 150 && name === 'orders-1' ? `${base}/broken/metrics` : `${base}/${name}/metrics`;
        let result: { text: string; contentType?: string } | { error: string };
        try {
          const body = await fetchText(url, 5_000);
          result = typeof body === 'string' ? { text: body } : body;
        } catch (cause) {
          result = { error: cause instanceof Error ? cause.message : String(cause) };
        }
        if (removed && name === 'payments-1') result = { error: 'connection refused' };
        const outcome = appendScrape(
          appender,
          { url, labels },
          t,
          3,
          result,
          previous.get(name) ?? new Map(),
        );
        previous.set(name, outcome.seen);
        scrapes += 1;
      }
      await appender.commit();
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return { startMs, endMs: startMs + steps * 15_000, scrapes };
}
