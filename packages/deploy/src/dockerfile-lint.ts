import {
  envPairs,
  execForm,
  parentStage,
  parseDockerfile,
  stageConfig,
  type DockerInstruction,
  type DockerStage,
} from './dockerfile-lint-parse.js';

/** One problem in a Dockerfile: the rule it breaks, the line the instruction starts on, what is wrong. */
export interface Finding {
  rule: DockerfileRule;
  line: number;
  message: string;
}

export type DockerfileRule =
  | 'syntax'
  | 'from-digest'
  | 'from-tag'
  | 'user-non-root'
  | 'healthcheck'
  | 'add-url'
  | 'prefer-copy'
  | 'secret-env'
  | 'secret-literal'
  | 'exec-form'
  | 'apt-get';

export interface DockerfileLintOptions {
  /**
   * Accept the all-zero placeholder digest (`@sha256:000…0`), as checked in before a release pins the real
   * one. Off by default: an image built from a placeholder would not pull.
   */
  allowPlaceholderDigest?: boolean;
}

const DIGEST = /@sha256:([0-9a-f]{64})$/;
const PLACEHOLDER_DIGEST = '0'.repeat(64);
const SECRET_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'KEY',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
]);
const SECRET_LITERALS: Array<[RegExp, string]> = [
  [/-----BEGIN/, 'a PEM block (-----BEGIN …)'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
];
const URL_SOURCE = /^(?:https?|ftp):\/\/|^git@|\.git(?:#\S*)?$/i;

/**
 * Checks a Dockerfile's text against the repository's image rules and returns what breaks them ([] when
 * it complies), in line order. The lint reads the text only: nothing is pulled or built, so what a base
 * image sets itself (its USER, its HEALTHCHECK) is not known and does not count.
 */
export function lintDockerfile(text: string, options: DockerfileLintOptions = {}): Finding[] {
  let parsed;
  try {
    parsed = parseDockerfile(text);
  } catch (error) {
    const line = Number(/^line (\d+)/.exec((error as Error).message)?.[1] ?? 1);
    return [{ rule: 'syntax', line, message: (error as Error).message.replace(/^line \d+: /, '') }];
  }
  const { preamble, stages } = parsed;
  const findings: Finding[] = [];
  for (const instruction of preamble)
    if (instruction.keyword !== 'ARG')
      findings.push({
        rule: 'syntax',
        line: instruction.line,
        message: `${instruction.keyword} before the first FROM (only ARG may come first)`,
      });
  if (stages.length === 0) findings.push({ rule: 'syntax', line: 1, message: 'no FROM instruction' });
  for (const stage of stages) findings.push(...checkFrom(stages, stage, options));
  const all = [...preamble, ...stages.flatMap((stage) => stage.instructions)];
  for (const instruction of all) findings.push(...checkInstruction(instruction));
  for (const stage of imageStages(stages)) findings.push(...checkFinalStage(stages, stage));
  return findings.sort((a, b) => a.line - b.line);
}

function checkFrom(
  stages: readonly DockerStage[],
  stage: DockerStage,
  options: DockerfileLintOptions,
): Finding[] {
  if (parentStage(stages, stage) !== undefined || stage.from.toLowerCase() === 'scratch') return [];
  const image = stage.from;
  const finding = (rule: DockerfileRule, message: string): Finding => ({ rule, line: stage.line, message });
  if (image.includes('$'))
    return [finding('from-digest', `FROM ${image}: a variable base image cannot be checked; write it out`)];
  const findings: Finding[] = [];
  const digest = DIGEST.exec(image);
  if (digest === null)
    findings.push(finding('from-digest', `FROM ${image}: not pinned by digest (@sha256:<64 hex digits>)`));
  else if (digest[1] === PLACEHOLDER_DIGEST && options.allowPlaceholderDigest !== true)
    findings.push(finding('from-digest', `FROM ${image}: placeholder digest; pin the real one`));
  const name = image.replace(/@.*$/, '');
  // A colon after the last slash is a tag; one before it belongs to a registry's port.
  const tag = /:([^/]+)$/.exec(name)?.[1];
  if (tag === undefined)
    findings.push(
      finding('from-tag', `FROM ${image}: untagged; name the version (the digest alone hides it)`),
    );
  else if (tag.toLowerCase() === 'latest')
    findings.push(finding('from-tag', `FROM ${image}: the latest tag; name the version`));
  return findings;
}

function checkInstruction(instruction: DockerInstruction): Finding[] {
  const findings: Finding[] = [];
  const finding = (rule: DockerfileRule, message: string): Finding => ({
    rule,
    line: instruction.line,
    message,
  });
  const { keyword, args } = instruction;
  for (const [pattern, what] of SECRET_LITERALS)
    if (pattern.test(args))
      findings.push(
        finding('secret-literal', `${keyword}: looks like ${what}; never put secrets in an image`),
      );
  switch (keyword) {
    case 'ADD': {
      const sources = addSources(args);
      if (sources.some((source) => URL_SOURCE.test(source)))
        findings.push(
          finding(
            'add-url',
            'ADD from a URL: download in a RUN with a checksum check, or COPY a verified file',
          ),
        );
      else findings.push(finding('prefer-copy', 'ADD of local files: use COPY (ADD also unpacks archives)'));
      break;
    }
    case 'ENV':
    case 'ARG':
      for (const [name, value] of keyword === 'ENV' ? envPairs(args) : argPairs(args))
        if (value !== '' && isSecretName(name))
          findings.push(
            finding(
              'secret-env',
              `${keyword} ${name} has a value; secrets come from the environment at run time, not the image`,
            ),
          );
      break;
    case 'CMD':
    case 'ENTRYPOINT':
      if (execForm(args) === undefined)
        findings.push(
          finding(
            'exec-form',
            `${keyword} in shell form: use the exec form (["program", "arg"]) so the process gets signals`,
          ),
        );
      break;
    case 'RUN':
      findings.push(...checkAptGet(instruction));
      break;
  }
  return findings;
}

/** ADD's sources: every word but options and the last (the destination); the JSON form too. */
function addSources(args: string): string[] {
  const words = execForm(args) ?? args.split(/\s+/).filter((word) => !word.startsWith('--'));
  return words.slice(0, -1);
}

/** `ARG name[=default] …`: name → default ('' when none). */
function argPairs(args: string): Array<[string, string]> {
  return args
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => {
      const eq = word.indexOf('=');
      return eq < 0 ? [word, ''] : [word.slice(0, eq), word.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2')];
    });
}

/** NPM_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY, apiKey; not KEYCLOAK_URL or MONKEY. */
function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

function checkAptGet(instruction: DockerInstruction): Finding[] {
  const findings: Finding[] = [];
  // One shell command at a time: the flag must be on the install itself.
  const commands = instruction.args.split(/&&|\|\||;|\|/);
  const installs = commands.filter((command) => /\bapt(?:-get)?\b.*\binstall\b/.test(command));
  if (installs.some((command) => !command.includes('--no-install-recommends')))
    findings.push({
      rule: 'apt-get',
      line: instruction.line,
      message: 'apt-get install without --no-install-recommends',
    });
  if (installs.length > 0 && !/rm\s+-(?:rf|fr|r)\s+\/var\/lib\/apt\/lists/.test(instruction.args))
    findings.push({
      rule: 'apt-get',
      line: instruction.line,
      message:
        'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN (the cache stays in the layer)',
    });
  return findings;
}

/**
 * The stages that become images: the last one, and any other that no later stage builds on or copies from
 * (a Dockerfile with one target per service, built with `--target`).
 */
export function imageStages(stages: readonly DockerStage[]): DockerStage[] {
  const used = new Set<string>();
  for (const stage of stages) {
    const parent = parentStage(stages, stage);
    if (parent?.name !== undefined) used.add(parent.name);
    for (const instruction of stage.instructions) {
      const from = /--from=(\S+)/i.exec(instruction.keyword === 'COPY' ? instruction.args : '')?.[1];
      if (from !== undefined) used.add(from.toLowerCase());
    }
  }
  return stages.filter(
    (stage, index) =>
      index === stages.length - 1 || (!used.has(stage.name ?? '') && !used.has(String(index))),
  );
}

function checkFinalStage(stages: readonly DockerStage[], last: DockerStage): Finding[] {
  const findings: Finding[] = [];
  const config = stageConfig(stages, last);
  const label = last.name === undefined ? 'the final stage' : `the final stage (${last.name})`;
  if (config.user === undefined)
    findings.push({
      rule: 'user-non-root',
      line: last.line,
      message: `${label} sets no USER (it would run as root)`,
    });
  else {
    const [user, group] = config.user.args.split(':');
    const numeric = (id: string | undefined): boolean => id === undefined || /^\d+$/.test(id);
    if (user !== 'root' && (!numeric(user) || !numeric(group)))
      findings.push({
        rule: 'user-non-root',
        line: config.user.line,
        message: `USER ${config.user.args}: use a numeric uid[:gid] (runAsNonRoot cannot verify a name)`,
      });
    else if (user === 'root' || Number(user) === 0)
      findings.push({
        rule: 'user-non-root',
        line: config.user.line,
        message: `USER ${config.user.args}: the image runs as root`,
      });
  }
  if (config.healthcheck === undefined)
    findings.push({ rule: 'healthcheck', line: last.line, message: `${label} has no HEALTHCHECK` });
  else if (/^none\b/i.test(config.healthcheck.args))
    findings.push({
      rule: 'healthcheck',
      line: config.healthcheck.line,
      message: 'HEALTHCHECK NONE disables it',
    });
  return findings;
}
