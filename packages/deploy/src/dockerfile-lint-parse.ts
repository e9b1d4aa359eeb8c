/** One Dockerfile instruction: its keyword (upper case), its arguments as written, the line it starts on. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: from its FROM up to the next one. */
export interface DockerStage {
  /** The base: an image reference, `scratch`, or an earlier stage's name. */
  from: string;
  /** The `AS` name (lower case, as Docker compares them), if any. */
  name: string | undefined;
  line: number;
  instructions: DockerInstruction[];
}

/** A parsed Dockerfile: its stages and what came before the first FROM (ARGs, or mistakes). */
export interface ParsedDockerfile {
  preamble: DockerInstruction[];
  stages: DockerStage[];
}

const ESCAPE_DIRECTIVE = /^#\s*escape\s*=\s*([\\`])\s*$/i;
const FROM_ARGS = /^(?:--\S+\s+)*(\S+)(?:\s+as\s+(\S+))?\s*$/i;

/** The escape character: `\` unless a parser directive at the very top says otherwise. */
function escapeCharOf(lines: readonly string[]): string {
  for (const line of lines) {
    const directive = ESCAPE_DIRECTIVE.exec(line.trim());
    if (directive !== null) return directive[1]!;
    // Parser directives only count before any comment, blank line or instruction.
    if (!/^#\s*\w+\s*=/.test(line.trim())) break;
  }
  return '\\';
}

/**
 * Joins continuation lines into instructions as BuildKit does: a line ending in the escape character continues
 * on the next; comment lines and blank lines inside a continuation are dropped. Heredocs are not supported.
 */
export function parseInstructions(text: string): DockerInstruction[] {
  const lines = text.split(/\r?\n/);
  const escape = escapeCharOf(lines);
  const instructions: DockerInstruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = trimmed.endsWith(escape);
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    if (pending === undefined) pending = { parts: [], line: index + 1 };
    pending.parts.push(part);
    if (continues) return;
    instructions.push(toInstruction(pending.parts.join(' '), pending.line));
    pending = undefined;
  });
  if (pending !== undefined) instructions.push(toInstruction(pending.parts.join(' '), pending.line));
  return instructions;
}

function toInstruction(text: string, line: number): DockerInstruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text.trim())!;
  return { keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line };
}

/** Splits instructions into stages at each FROM; throws on a FROM without an image. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const preamble: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const match = FROM_ARGS.exec(instruction.args);
      if (match === null)
        throw new Error(`line ${instruction.line}: FROM expects an image and an optional "AS name"`);
      stages.push({
        from: match[1]!,
        name: match[2]?.toLowerCase(),
        line: instruction.line,
        instructions: [],
      });
    } else {
      (stages.at(-1)?.instructions ?? preamble).push(instruction);
    }
  }
  return { preamble, stages };
}

/** What an image built from a stage runs with, inherited through `FROM <earlier stage>`. */
export interface StageConfig {
  user: DockerInstruction | undefined;
  workdir: string | undefined;
  expose: string[];
  env: Map<string, string>;
  cmd: DockerInstruction | undefined;
  entrypoint: DockerInstruction | undefined;
  healthcheck: DockerInstruction | undefined;
}

/** The stage a stage builds on (an earlier one named by its FROM), if any. */
export function parentStage(stages: readonly DockerStage[], stage: DockerStage): DockerStage | undefined {
  const index = stages.indexOf(stage);
  const base = stage.from.toLowerCase();
  return stages.slice(0, index).find((earlier) => earlier.name === base);
}

/**
 * The configuration a stage's image ends up with. The base image's own settings (the Node image's CMD,
 * its root user) are unknown here, so a setting inherited from an external image counts as unset.
 */
export function stageConfig(stages: readonly DockerStage[], stage: DockerStage): StageConfig {
  const parent = parentStage(stages, stage);
  const config: StageConfig =
    parent === undefined
      ? {
          user: undefined,
          workdir: undefined,
          expose: [],
          env: new Map(),
          cmd: undefined,
          entrypoint: undefined,
          healthcheck: undefined,
        }
      : stageConfig(stages, parent);
  const result: StageConfig = { ...config, expose: [...config.expose], env: new Map(config.env) };
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'USER':
        result.user = instruction;
        break;
      case 'WORKDIR':
        result.workdir = instruction.args.startsWith('/')
          ? instruction.args
          : `${result.workdir ?? ''}/${instruction.args}`;
        break;
      case 'EXPOSE':
        result.expose.push(...instruction.args.split(/\s+/));
        break;
      case 'ENV':
        for (const [name, value] of envPairs(instruction.args)) result.env.set(name, value);
        break;
      case 'CMD':
        result.cmd = instruction;
        break;
      case 'ENTRYPOINT':
        // Docker resets an inherited CMD when a stage sets its own ENTRYPOINT.
        result.entrypoint = instruction;
        result.cmd = undefined;
        break;
      case 'HEALTHCHECK':
        result.healthcheck = instruction;
        break;
    }
  }
  return result;
}

/** `ENV a=1 b="two words"` or the legacy `ENV name value with spaces`: name → value (quotes removed). */
export function envPairs(args: string): Array<[string, string]> {
  const first = /^([^\s=]+)(=?)/.exec(args);
  if (first === null) return [];
  if (first[2] === '') {
    const rest = args.slice(first[1]!.length).trim();
    return [[first[1]!, unquote(rest)]];
  }
  const pairs: Array<[string, string]> = [];
  for (const match of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g))
    pairs.push([match[1]!, unquote(match[2]!)]);
  return pairs;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0])
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}

/** The argv of an exec-form (JSON array) instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: Docker runs such a line with the shell.
  }
  return undefined;
}
