import { describe, expect, it } from 'vitest';
import { lintDockerfile, type Finding } from './dockerfile-lint.js';

const DIGEST = 'a1'.repeat(32);
const ZEROS = '0'.repeat(64);
const BASE = `node:20.19-bookworm-slim@sha256:${DIGEST}`;

/** A compliant two-stage Dockerfile; each test breaks one thing in it. */
const GOOD = [
  `FROM ${BASE} AS build`,
  'WORKDIR /app',
  'COPY . .',
  'RUN npm ci && npx tsc -b',
  `FROM ${BASE}`,
  'WORKDIR /app',
  'COPY --from=build /app/dist/ dist/',
  'USER 10001',
  'HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]',
  'CMD ["node", "dist/main.js"]',
].join('\n');

const rules = (findings: Finding[]): string[] => findings.map((f) => f.rule);

/** GOOD with one line replaced (or inserted before the last line). */
function variant(from: string, to: string): string {
  if (!GOOD.includes(from)) throw new Error(`not in GOOD: ${from}`);
  return GOOD.replace(from, to);
}
const LAST = '\nCMD ["node", "dist/main.js"]';
const withLine = (line: string): string => variant(LAST, `\n${line}${LAST}`);

describe('lintDockerfile', () => {
  it('finds nothing in a compliant Dockerfile', () => {
    expect(lintDockerfile(GOOD)).toEqual([]);
  });

  it('requires every external FROM to be pinned by a 64-hex digest', () => {
    const findings = lintDockerfile(variant(`${BASE}\n`, 'node:20.19-bookworm-slim\n'));
    expect(findings).toEqual([
      {
        rule: 'from-digest',
        line: 5,
        message: 'FROM node:20.19-bookworm-slim: not pinned by digest (@sha256:<64 hex digits>)',
      },
    ]);
    expect(rules(lintDockerfile(GOOD.replaceAll(DIGEST, 'abc123')))).toEqual(['from-digest', 'from-digest']);
  });

  it('refuses the placeholder digest unless allowed', () => {
    const text = GOOD.replaceAll(DIGEST, ZEROS);
    const findings = lintDockerfile(text);
    expect(rules(findings)).toEqual(['from-digest', 'from-digest']);
    expect(findings[0]!.message).toMatch(/placeholder digest; pin the real one$/);
    expect(lintDockerfile(text, { allowPlaceholderDigest: true })).toEqual([]);
  });

  it('refuses a variable base image, which it cannot check', () => {
    const text = `ARG BASE=node\n${variant(`FROM ${BASE} AS build`, 'FROM ${BASE} AS build')}`;
    expect(lintDockerfile(text)).toEqual([
      expect.objectContaining({ rule: 'from-digest', line: 2, message: expect.stringMatching(/variable/) }),
    ]);
  });

  it('refuses latest and untagged bases, and tells a registry port from a tag', () => {
    const latest = lintDockerfile(variant(BASE + ' AS', `node:latest@sha256:${DIGEST} AS`));
    expect(latest).toEqual([
      {
        rule: 'from-tag',
        line: 1,
        message: `FROM node:latest@sha256:${DIGEST}: the latest tag; name the version`,
      },
    ]);
    const untagged = lintDockerfile(variant(BASE + ' AS', `registry.local:5000/node@sha256:${DIGEST} AS`));
    expect(untagged).toEqual([expect.objectContaining({ rule: 'from-tag', line: 1 })]);
    expect(untagged[0]!.message).toMatch(/untagged/);
    expect(lintDockerfile(variant(BASE + ' AS', `registry.local:5000/node:20@sha256:${DIGEST} AS`))).toEqual(
      [],
    );
  });

  it('does not ask a FROM of an earlier stage (any case) or scratch for a digest', () => {
    const text = `${GOOD}\nFROM BUILD AS again\nRUN true\nFROM scratch\nCOPY --from=again /x /x\nUSER 1\nHEALTHCHECK CMD ["/x"]`;
    expect(lintDockerfile(text)).toEqual([]);
  });

  it('requires a numeric, non-root USER in the final stage', () => {
    expect(lintDockerfile(variant('USER 10001\n', ''))).toEqual([
      { rule: 'user-non-root', line: 5, message: 'the final stage sets no USER (it would run as root)' },
    ]);
    expect(lintDockerfile(variant('USER 10001', 'USER 0:0'))).toEqual([
      { rule: 'user-non-root', line: 8, message: 'USER 0:0: the image runs as root' },
    ]);
    expect(lintDockerfile(variant('USER 10001', 'user root'))[0]!.message).toBe(
      'USER root: the image runs as root',
    );
    expect(lintDockerfile(variant('USER 10001', 'USER node'))).toEqual([
      {
        rule: 'user-non-root',
        line: 8,
        message: 'USER node: use a numeric uid[:gid] (runAsNonRoot cannot verify a name)',
      },
    ]);
    expect(lintDockerfile(variant('USER 10001', 'USER 10001:10001'))).toEqual([]);
  });

  it('takes the USER of the final stage, inherited from the stage it builds on, not of another stage', () => {
    const inBuildOnly = variant('USER 10001\n', '').replace('WORKDIR /app\n', 'WORKDIR /app\nUSER 10001\n');
    expect(rules(lintDockerfile(inBuildOnly))).toEqual(['user-non-root']);
    const inherited = `${GOOD.replace(`FROM ${BASE}\n`, `FROM ${BASE} AS runtime\n`)}\nFROM runtime AS svc\nCMD ["node", "x.js"]`;
    expect(lintDockerfile(inherited)).toEqual([]);
  });

  it('requires a HEALTHCHECK in the final stage, and refuses HEALTHCHECK NONE', () => {
    expect(lintDockerfile(variant('HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]\n', ''))).toEqual([
      { rule: 'healthcheck', line: 5, message: 'the final stage has no HEALTHCHECK' },
    ]);
    expect(
      lintDockerfile(variant('HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]', 'healthcheck none')),
    ).toEqual([{ rule: 'healthcheck', line: 9, message: 'HEALTHCHECK NONE disables it' }]);
  });

  it('checks every stage that becomes an image (one target per service), not only the last', () => {
    const text = `${GOOD.replace(`FROM ${BASE}\n`, `FROM ${BASE} AS runtime\n`)}\nFROM ${BASE} AS other\nUSER 1\nHEALTHCHECK CMD ["true"]\nCMD ["x"]\nFROM runtime AS svc\nCMD ["y"]`;
    expect(lintDockerfile(text)).toEqual([]);
    const bare = text.replace('USER 1\n', '');
    expect(lintDockerfile(bare)).toEqual([
      expect.objectContaining({
        rule: 'user-non-root',
        message: 'the final stage (other) sets no USER (it would run as root)',
      }),
    ]);
  });

  it('refuses ADD from a URL or git, and prefers COPY for local files', () => {
    expect(lintDockerfile(withLine('ADD https://example.com/tool.tgz /opt/'))).toEqual([
      {
        rule: 'add-url',
        line: 10,
        message: 'ADD from a URL: download in a RUN with a checksum check, or COPY a verified file',
      },
    ]);
    expect(rules(lintDockerfile(withLine('add --chown=1:1 git@github.com:o/r.git /src')))).toEqual([
      'add-url',
    ]);
    expect(lintDockerfile(withLine('ADD app.tar /app/'))).toEqual([
      { rule: 'prefer-copy', line: 10, message: 'ADD of local files: use COPY (ADD also unpacks archives)' },
    ]);
  });

  it('refuses secret-looking ENV and ARG names that carry a value', () => {
    expect(lintDockerfile(withLine('ENV NPM_TOKEN=abc'))).toEqual([
      {
        rule: 'secret-env',
        line: 10,
        message: 'ENV NPM_TOKEN has a value; secrets come from the environment at run time, not the image',
      },
    ]);
    expect(rules(lintDockerfile(withLine('ENV DB_PASSWORD hunter2')))).toEqual(['secret-env']);
    expect(rules(lintDockerfile(withLine('ENV A=1 AWS_SECRET_ACCESS_KEY="x y"')))).toEqual(['secret-env']);
    expect(rules(lintDockerfile(withLine('ARG apiKey=123')))).toEqual(['secret-env']);
    expect(rules(lintDockerfile(withLine('ARG SIGNING_KEY=k1')))).toEqual(['secret-env']);
    // A name without a value, and names that only contain the letters, pass.
    expect(lintDockerfile(withLine('ARG NPM_TOKEN'))).toEqual([]);
    expect(
      lintDockerfile(withLine('ENV KEYCLOAK_URL=http://127.0.0.1 MONKEY=1 NODE_ENV=production')),
    ).toEqual([]);
  });

  it('refuses secret-looking literals anywhere', () => {
    expect(lintDockerfile(withLine('RUN echo "-----BEGIN RSA PRIVATE KEY-----" > /k'))).toEqual([
      {
        rule: 'secret-literal',
        line: 10,
        message: 'RUN: looks like a PEM block (-----BEGIN …); never put secrets in an image',
      },
    ]);
    const aws = lintDockerfile(withLine('LABEL note=AKIAIOSFODNN7EXAMPLE'));
    expect(aws).toEqual([expect.objectContaining({ rule: 'secret-literal', line: 10 })]);
    expect(aws[0]!.message).toMatch(/AWS access key id/);
    expect(rules(lintDockerfile(withLine(`RUN curl -H "x: ghp_${'a'.repeat(36)}" 127.0.0.1`)))).toEqual([
      'secret-literal',
    ]);
  });

  it('requires exec-form CMD and ENTRYPOINT', () => {
    expect(lintDockerfile(variant('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js'))).toEqual([
      {
        rule: 'exec-form',
        line: 10,
        message: 'CMD in shell form: use the exec form (["program", "arg"]) so the process gets signals',
      },
    ]);
    expect(rules(lintDockerfile(withLine('ENTRYPOINT [node, main.js]')))).toEqual(['exec-form']);
    expect(lintDockerfile(withLine('ENTRYPOINT ["node"]'))).toEqual([]);
  });

  it('requires --no-install-recommends and a cleaned list cache on apt-get install', () => {
    const clean =
      'RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*';
    expect(lintDockerfile(withLine(clean))).toEqual([]);
    expect(lintDockerfile(withLine(clean.replace(' --no-install-recommends', '')))).toEqual([
      { rule: 'apt-get', line: 10, message: 'apt-get install without --no-install-recommends' },
    ]);
    const cached = lintDockerfile(withLine(clean.replace(' && rm -rf /var/lib/apt/lists/*', '')));
    expect(rules(cached)).toEqual(['apt-get']);
    expect(cached[0]!.message).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    // The flag on another command of the same RUN does not count for this install.
    const elsewhere =
      'RUN apt-get install -y a && apt-get install -y --no-install-recommends b && rm -rf /var/lib/apt/lists/*';
    expect(rules(lintDockerfile(withLine(elsewhere)))).toEqual(['apt-get']);
  });

  it('parses continuations, comments inside them, lower-case keywords and the escape directive', () => {
    const text = [
      `from ${BASE} as build`,
      'run apt-get update \\',
      '  # a comment inside the continuation',
      '',
      '  && apt-get install -y curl \\',
      '  && rm -rf /var/lib/apt/lists/*',
      'Add https://example.com/x /x',
    ].join('\n');
    const findings = lintDockerfile(text);
    expect(findings.filter((f) => f.rule !== 'user-non-root' && f.rule !== 'healthcheck')).toEqual([
      { rule: 'apt-get', line: 2, message: 'apt-get install without --no-install-recommends' },
      expect.objectContaining({ rule: 'add-url', line: 7 }),
    ]);
    const backtick = `# escape=\`\nFROM ${BASE}\nUSER 1\nHEALTHCHECK CMD ["x"]\nCMD \`\n  ["node", "a.js"]`;
    expect(lintDockerfile(backtick)).toEqual([]);
  });

  it('reports a Dockerfile it cannot read as syntax findings', () => {
    expect(lintDockerfile('')).toEqual([{ rule: 'syntax', line: 1, message: 'no FROM instruction' }]);
    expect(lintDockerfile('FROM\n')).toEqual([
      { rule: 'syntax', line: 1, message: 'FROM expects an image and an optional "AS name"' },
    ]);
    expect(rules(lintDockerfile(`RUN x\n${GOOD}`))).toEqual(['syntax']);
  });
});
