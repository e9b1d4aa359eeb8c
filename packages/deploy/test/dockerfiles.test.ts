import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTAINER_PORT,
  execForm,
  imageStages,
  lintDockerfile,
  parseDockerfile,
  renderKubernetes,
  stageConfig,
  type DockerStage,
  type K8sObject,
} from '../src/index.js';
import { find, OPTIONS, shopSpec, type Loose } from './fixture.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const DOCKER_DIR = join(ROOT, 'deploy/docker');
const SHOP_DOCKERFILE = join(DOCKER_DIR, 'Dockerfile');

/** Every Dockerfile under deploy/docker: `Dockerfile`, `Dockerfile.<x>`, `<x>.Dockerfile`. */
function dockerfiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return dockerfiles(path);
    return /^Dockerfile(\..+)?$|\.Dockerfile$/.test(entry.name) ? [path] : [];
  });
}

const readJson = (path: string): Loose => JSON.parse(readFileSync(path, 'utf8'));

/** Workspace package name → its folder (relative to the root), from every package.json of the workspaces. */
function workspaceFolders(): Map<string, string> {
  const folders = new Map<string, string>();
  for (const parent of ['packages', 'services'])
    for (const name of readdirSync(join(ROOT, parent))) {
      const manifest = join(ROOT, parent, name, 'package.json');
      if (existsSync(manifest)) folders.set(readJson(manifest).name, `${parent}/${name}`);
    }
  return folders;
}

/** A workspace folder and every workspace folder it depends on, transitively. */
function workspaceClosure(
  folder: string,
  folders: Map<string, string>,
  seen = new Set<string>(),
): Set<string> {
  if (seen.has(folder)) return seen;
  seen.add(folder);
  const dependencies = Object.keys(readJson(join(ROOT, folder, 'package.json')).dependencies ?? {});
  for (const dependency of dependencies) {
    const dependencyFolder = folders.get(dependency);
    if (dependencyFolder !== undefined) workspaceClosure(dependencyFolder, folders, seen);
  }
  return seen;
}

/** What a stage (and the stages it builds on) copies from the build stage, as root-relative paths. */
function copiedFromBuild(stages: readonly DockerStage[], stage: DockerStage | undefined): Set<string> {
  const copied = new Set<string>();
  for (let current = stage; current !== undefined;) {
    for (const instruction of current.instructions) {
      if (instruction.keyword !== 'COPY' || !/--from=build\b/.test(instruction.args)) continue;
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      for (const source of words.slice(0, -1)) copied.add(source.replace(/^\/app\//, '').replace(/\/$/, ''));
    }
    const parentName = current.from.toLowerCase();
    current = stages.slice(0, stages.indexOf(current)).find((earlier) => earlier.name === parentName);
  }
  return copied;
}

const podOf = (deployment: K8sObject): Loose => (deployment as Loose).spec.template.spec;

describe('the Dockerfiles under deploy/docker', () => {
  it('pass the Dockerfile lint (placeholder digests allowed until release)', () => {
    const files = dockerfiles(DOCKER_DIR);
    expect(files.map((file) => relative(ROOT, file))).toContain('deploy/docker/Dockerfile');
    for (const file of files)
      expect(lintDockerfile(readFileSync(file, 'utf8'), { allowPlaceholderDigest: true }), file).toEqual([]);
  });

  it('build one image per service of the shop, each run as the Kubernetes render runs it', async () => {
    const spec = await shopSpec();
    const objects = renderKubernetes(spec, OPTIONS);
    const { stages } = parseDockerfile(readFileSync(SHOP_DOCKERFILE, 'utf8'));
    const services = Object.keys(spec.services).sort();
    expect(services.length).toBeGreaterThan(0);
    expect(
      imageStages(stages)
        .map((stage) => stage.name)
        .sort(),
    ).toEqual(services);
    for (const name of services) {
      const stage = stages.find((candidate) => candidate.name === name)!;
      const config = stageConfig(stages, stage);
      const pod = podOf(find(objects, 'Deployment', name));
      const container = pod.containers[0];

      expect(
        config.expose.map((port) => Number(port.replace(/\/tcp$/i, ''))),
        name,
      ).toEqual(container.ports.map((port: Loose) => port.containerPort));
      expect(config.expose).toEqual([String(CONTAINER_PORT)]);
      const [uid, gid] = (config.user?.args ?? '').split(':');
      expect(Number(uid), name).toBe(pod.securityContext.runAsUser);
      if (gid !== undefined) expect(Number(gid), name).toBe(pod.securityContext.runAsGroup);
      expect(config.entrypoint, name).toBeUndefined();
      expect(execForm(config.cmd?.args ?? ''), name).toEqual([
        ...container.command,
        ...(container.args ?? []),
      ]);
      expect(config.workdir, name).toBe(container.workingDir);
      // The image alone (docker run) listens where the pod does.
      const renderedEnv = new Map(container.env.map((entry: Loose) => [entry.name, entry.value]));
      for (const variable of ['PORT', 'HOST'])
        expect(config.env.get(variable), `${name} ${variable}`).toBe(renderedEnv.get(variable));
      expect(config.env.get('NODE_ENV')).toBe('production');
      expect(config.healthcheck?.args, name).toContain(
        spec.services[name]!.probes.liveness?.path ?? '/livez',
      );
    }
  });

  it('copy into each service image its files and those of every workspace package it imports', async () => {
    const spec = await shopSpec();
    const folders = workspaceFolders();
    const { stages } = parseDockerfile(readFileSync(SHOP_DOCKERFILE, 'utf8'));
    for (const name of Object.keys(spec.services)) {
      const stage = stages.find((candidate) => candidate.name === name);
      const copied = copiedFromBuild(stages, stage);
      expect(copied.has('node_modules'), name).toBe(true);
      const own = `services/${name}`;
      for (const folder of workspaceClosure(own, folders)) {
        const manifest = readJson(join(ROOT, folder, 'package.json'));
        // What npm would publish (`files`), where it exists: dist is built in the image, not here.
        const needed = (manifest.files ?? ['dist']).filter(
          (entry: string) => entry === 'dist' || existsSync(join(ROOT, folder, entry)),
        );
        for (const entry of ['package.json', ...needed])
          expect(copied.has(`${folder}/${entry}`), `${name} needs ${folder}/${entry}`).toBe(true);
      }
      // A service image holds no other service's files.
      const others = [...copied].filter(
        (path) => path.startsWith('services/') && !path.startsWith(`${own}/`),
      );
      expect(others, name).toEqual([]);
    }
  });

  it('has a HEALTHCHECK that passes while /livez answers 200 and fails otherwise', async () => {
    const { stages } = parseDockerfile(readFileSync(SHOP_DOCKERFILE, 'utf8'));
    const healthcheck = stageConfig(stages, stages.at(-1)!).healthcheck!;
    const argv = execForm(healthcheck.args.replace(/^(?:--\S+\s+)*CMD\s+/i, ''));
    expect(argv?.slice(0, 2)).toEqual(['node', '-e']);
    let status = 200;
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(status).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const env = { ...process.env, PORT: String((server.address() as AddressInfo).port) };
    const run = () =>
      promisify(execFile)(process.execPath, argv!.slice(1), { env }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    try {
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
      expect(paths).toEqual(['/livez', '/livez']);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
