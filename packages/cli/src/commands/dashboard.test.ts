// `opsloop dashboard`: its arguments through the real command tree, and the link it prints for a runtime.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeStateFile } from '@opsloop/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../program.js';
import { dashboard } from './dashboard.js';

/** Parses a command line with the real program; resolves to the options `dashboard` was given. */
async function parse(...args: string[]): Promise<unknown> {
  const calls: unknown[] = [];
  const program = createProgram((work) => void work.catch(() => undefined));
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeErr: () => {} });
    command.commands.forEach(quiet);
  };
  quiet(program);
  const command = program.commands.find((c) => c.name() === 'dashboard')!;
  // Record what the action receives instead of calling a runtime.
  command.action((opts: unknown) => void calls.push(opts));
  await program.parseAsync(['dashboard', ...args], { from: 'user' });
  return calls[0];
}

describe('opsloop dashboard: arguments', () => {
  it('defaults to an operator link for 12 hours, next to opsloop.yaml', async () => {
    expect(await parse()).toEqual({ role: 'operator', ttl: 43_200, file: 'opsloop.yaml' });
    expect(await parse('--role', 'viewer', '--ttl', '600', '-f', 'x.yaml', '--state-dir', 's')).toEqual({
      role: 'viewer',
      ttl: 600,
      file: 'x.yaml',
      stateDir: 's',
    });
  });

  it.each([
    [['--role', 'discovery'], /Allowed choices are viewer, operator, admin/],
    [['--role', 'root'], /Allowed choices/],
    [['--ttl', '59'], /expected seconds from 60 to 31622400/],
    [['--ttl', '1.5'], /expected seconds/],
    [['--ttl', 'soon'], /expected seconds/],
    [['--ttl', String(367 * 24 * 3600)], /expected seconds/],
    [['extra'], /too many arguments|unknown command/],
  ])('refuses %j', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('opsloop dashboard: the link', () => {
  let dir: string;
  let server: Server;
  let bodies: unknown[];
  let answer: { status: number; body: unknown };
  let out: string;
  let err: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-dashboard-cli-'));
    bodies = [];
    out = '';
    err = '';
    // A control API that answers POST /v1/tokens like the runtime's.
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        bodies.push({
          method: request.method,
          url: request.url,
          auth: request.headers.authorization,
          body: JSON.parse(text) as unknown,
        });
        response.writeHead(answer.status, {
          'content-type': answer.status < 400 ? 'application/json' : 'application/problem+json',
        });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await writeStateFile(dir, {
      pid: process.pid,
      system: 'shop',
      specPath: join(dir, 'opsloop.yaml'),
      startedAt: '2026-12-07T06:00:00.000Z',
      controlUrl: `http://127.0.0.1:${port}`,
      token: 'admin-token-of-this-run',
      endpoints: {},
    });
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    vi.stubEnv('OPSLOOP_TOKEN', '');
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a named token and prints one link with the token in the fragment', async () => {
    const token = 'tok+en/with=chars';
    answer = {
      status: 201,
      body: {
        name: 'dashboard-a1b2c3',
        role: 'viewer',
        token,
        createdAt: 'x',
        expiresAt: 'y',
        persistent: true,
      },
    };
    const code = await dashboard(
      { file: 'opsloop.yaml', stateDir: dir, role: 'viewer', ttl: 5400 },
      'dashboard-a1b2c3',
    );
    expect(code).toBe(0);
    expect(bodies).toEqual([
      {
        method: 'POST',
        url: '/v1/tokens',
        auth: 'Bearer admin-token-of-this-run',
        body: { name: 'dashboard-a1b2c3', role: 'viewer', ttlSeconds: 5400 },
      },
    ]);
    const { port } = server.address() as AddressInfo;
    expect(out).toBe(`http://127.0.0.1:${port}/#token=tok%2Ben%2Fwith%3Dchars\n`);
    expect(err).toBe(
      'signs in as dashboard-a1b2c3 (viewer), valid for 1.5 h; anyone with the link has that role until then\n',
    );
  });

  it('names the token dashboard-<6 hex> by default', async () => {
    answer = { status: 201, body: { name: 'n', role: 'operator', token: 't' } };
    await dashboard({ file: 'opsloop.yaml', stateDir: dir, role: 'operator', ttl: 43_200 });
    expect((bodies[0] as { body: { name: string } }).body.name).toMatch(/^dashboard-[0-9a-f]{6}$/);
    expect(err).toContain('valid for 12 h');
  });

  it("reports the API's refusal in one line and prints no link", async () => {
    answer = {
      status: 403,
      body: {
        type: 'https://opsloop.dev/problems/forbidden',
        title: 'Not allowed for this token',
        status: 403,
        detail: 'role viewer may not call POST /v1/tokens',
      },
    };
    await expect(
      dashboard({ file: 'opsloop.yaml', stateDir: dir, role: 'operator', ttl: 600 }),
    ).rejects.toThrow('control API: Not allowed for this token: role viewer may not call POST /v1/tokens');
    expect(out).toBe('');
  });
});
