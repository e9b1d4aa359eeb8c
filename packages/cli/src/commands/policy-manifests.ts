import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '@opsloop/deploy';
import { CliError } from '../cli-error.js';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** Kustomize's own files sit among manifests (a kustomize tree) but are build instructions, not objects. */
const NOT_OBJECTS = new Set(['Kustomization', 'Component']);

/** Every YAML file at a path: the file itself, or those under a directory (recursively, sorted). */
async function yamlFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`--manifests ${path}: no such file or directory`);
    throw error;
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new CliError(`--manifests ${path}: not a file or directory`);
  const files: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await yamlFiles(child)));
    else if (entry.isFile() && YAML_EXTENSIONS.has(extname(entry.name))) files.push(child);
  }
  return files;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The objects of one parsed document: itself, or the items of a `kind: List` (as `kubectl get -o yaml` prints). */
function objectsOf(value: unknown, where: string): K8sObject[] {
  if (value === null || value === undefined) return [];
  if (!isRecord(value) || typeof value['kind'] !== 'string' || typeof value['apiVersion'] !== 'string')
    throw new CliError(`${where}: not a Kubernetes object (expected apiVersion and kind)`);
  if (NOT_OBJECTS.has(value['kind'])) return [];
  if (value['kind'].endsWith('List') && Array.isArray(value['items']))
    return value['items'].flatMap((item, i) => objectsOf(item, `${where}: items[${i}]`));
  const metadata = value['metadata'];
  if (!isRecord(metadata) || typeof metadata['name'] !== 'string' || metadata['name'] === '')
    throw new CliError(`${where}: ${value['kind']} has no metadata.name`);
  return [value as K8sObject];
}

/** The Kubernetes objects of a YAML file or a tree of them (multi-document files allowed). */
export async function readManifests(path: string): Promise<K8sObject[]> {
  const files = await yamlFiles(path);
  if (files.length === 0) throw new CliError(`--manifests ${path}: no .yaml or .yml files`);
  const objects: K8sObject[] = [];
  for (const file of files) {
    const documents = parseAllDocuments(await readFile(file, 'utf8'));
    // parseAllDocuments returns an EmptyStream (not an array) for a file with no documents.
    if (!Array.isArray(documents)) continue;
    documents.forEach((document, i) => {
      const where = `${file}: document ${i + 1}`;
      const [error] = document.errors;
      if (error !== undefined)
        throw new CliError(`${where}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`);
      objects.push(...objectsOf(document.toJS(), where));
    });
  }
  return objects;
}
