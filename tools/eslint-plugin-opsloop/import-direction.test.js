import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { plugin, rule } from './import-direction.js';
import {
  PACKAGE_ROLES,
  SERVICE_ROLE,
  UNKNOWN_PACKAGE_ROLE,
  isAllowedDependency,
  workspaceFromPath,
  workspacePackageName,
} from './roles.js';

/** What a service may import, as the rule lists it in its message. */
const SERVICE_ALLOWED = SERVICE_ROLE.map((dir) => workspacePackageName('packages', dir)).join(', ');

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const ruleTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
});

const ROOT = '/repo';
const options = [{ root: ROOT }];
const at = (file, code) => ({ code, filename: `${ROOT}/${file}`, options });

describe('plugin', () => {
  it('exposes the rule as opsloop/import-direction', () => {
    expect(plugin.rules['import-direction']).toBe(rule);
  });
});

ruleTester.run('import-direction', rule, {
  valid: [
    // (a) allowed @opsloop/* imports per role
    at('packages/contracts/src/index.ts', "import { z } from 'zod';"),
    at('packages/kit/src/http.ts', "import type { Health } from '@opsloop/contracts';"),
    at('packages/runtime/src/x.ts', "import { a } from '@opsloop/store';\nimport { b } from '@opsloop/bus';"),
    at('packages/telemetry/src/x.ts', "import { s } from '@opsloop/store';"),
    at('packages/aiops/src/x.ts', "import { t } from '@opsloop/telemetry';"),
    at('packages/cli/src/commands/up.ts', "import { up } from '@opsloop/runtime';"),
    at('packages/cli/src/commands/chaos.ts', "export { inject } from '@opsloop/chaos';"),
    at('packages/dashboard/src/app.ts', "import type { Slo } from '@opsloop/contracts';"),
    at('services/catalog/src/x.ts', "import { createService } from '@opsloop/kit';"),
    at('services/catalog/src/x.ts', "import { open } from '@opsloop/store/sqlite';"),
    at('services/gateway/src/x.ts', "const bus = await import('@opsloop/bus');"),
    at('packages/newthing/src/x.ts', "import { k } from '@opsloop/kit';"),
    // a package may reference itself by name
    at('packages/kit/src/x.ts', "import { k } from '@opsloop/kit';"),
    // outside packages/ and services/ nothing is restricted
    at(
      'e2e/smoke.test.ts',
      "import { up } from '@opsloop/runtime';\nimport { x } from '../services/catalog/src/x.js';",
    ),
    at('tools/gen.ts', "import { up } from '@opsloop/cli';"),
    at('scripts/release.ts', "import { x } from '../packages/runtime/src/adapters/fs.js';"),
    at('bench/run.ts', "import { y } from '@opsloop/service-catalog';"),
    // non-static dynamic import is ignored
    at('services/catalog/src/x.ts', 'const m = await import(name);'),
    // (b) relative imports that stay inside the workspace
    at('services/catalog/src/routes/products.ts', "import { repo } from '../repo.js';"),
    at('packages/runtime/test/helpers.ts', "import { sched } from '../src/scheduler.js';"),
    // (c) adapters may import adapters; composition roots and tests may import adapters
    at('packages/runtime/src/adapters/fs/store.ts', "import { x } from '../net.js';"),
    at('packages/runtime/src/index.ts', "export { FsStore } from './adapters/fs-store.js';"),
    at('packages/cli/src/main.ts', "import { HttpApi } from './adapters/http-api.js';"),
    at('services/catalog/src/repo.test.ts', "import { MemRepo } from './adapters/mem-repo.js';"),
    at('services/catalog/test/repo.ts', "import { MemRepo } from '../src/adapters/mem-repo.js';"),
    at('packages/runtime/src/e2e/boot.ts', "import { FsStore } from '../adapters/fs-store.js';"),
    // "adapters" only as part of a name is not an adapters/ directory
    at('packages/runtime/src/core.ts', "import { x } from './adapters-registry.js';"),
  ],
  invalid: [
    // (a) forbidden @opsloop/* imports
    {
      ...at('services/catalog/src/x.ts', "import { up } from '@opsloop/runtime';"),
      errors: [
        {
          message: `services/catalog may not import @opsloop/runtime (allowed: ${SERVICE_ALLOWED}); see docs/architecture.md`,
        },
      ],
    },
    {
      ...at('services/gateway/src/x.ts', "import type { Product } from '@opsloop/service-catalog';"),
      errors: [
        {
          messageId: 'forbiddenPackage',
          data: {
            importer: 'services/gateway',
            target: '@opsloop/service-catalog',
            allowed: SERVICE_ALLOWED,
          },
        },
      ],
    },
    {
      ...at('packages/contracts/src/x.ts', "import { k } from '@opsloop/kit';"),
      errors: [
        {
          message: 'packages/contracts may not import @opsloop/kit (allowed: none); see docs/architecture.md',
        },
      ],
    },
    {
      ...at('packages/kit/src/x.ts', "export * from '@opsloop/runtime';"),
      errors: [{ messageId: 'forbiddenPackage' }],
    },
    {
      ...at('packages/store/src/x.ts', "export { bus } from '@opsloop/bus';"),
      errors: [{ messageId: 'forbiddenPackage' }],
    },
    {
      ...at('packages/telemetry/src/x.ts', "const rt = await import('@opsloop/runtime/internal');"),
      errors: [
        {
          message:
            'packages/telemetry may not import @opsloop/runtime (allowed: @opsloop/contracts, @opsloop/kit, @opsloop/store); see docs/architecture.md',
        },
      ],
    },
    {
      ...at('packages/aiops/src/x.ts', "type T = import('@opsloop/cli').Command;"),
      errors: [{ messageId: 'forbiddenPackage' }],
    },
    {
      ...at('packages/dashboard/src/x.ts', "import { k } from '@opsloop/kit';"),
      errors: [{ messageId: 'forbiddenPackage' }],
    },
    {
      ...at('packages/cli/src/x.ts', "import { h } from '@opsloop/service-gateway';"),
      errors: [{ messageId: 'forbiddenPackage' }],
    },
    {
      ...at('packages/newthing/src/x.ts', "import { s } from '@opsloop/store';"),
      errors: [{ messageId: 'forbiddenPackageUnknownRole' }],
    },
    // (b) relative imports into another workspace
    {
      ...at('services/catalog/src/x.ts', "import { k } from '../../../packages/kit/src/index.js';"),
      errors: [
        {
          messageId: 'crossWorkspaceRelative',
          data: {
            importer: 'services/catalog',
            target: 'packages/kit',
            targetName: '@opsloop/kit',
            source: '../../../packages/kit/src/index.js',
          },
        },
      ],
    },
    {
      ...at('services/gateway/src/x.ts', "export { p } from '../../catalog/src/products.js';"),
      errors: [{ messageId: 'crossWorkspaceRelative' }],
    },
    {
      ...at('packages/cli/test/x.test.ts', "const rt = await import('../../runtime');"),
      errors: [{ messageId: 'crossWorkspaceRelative' }],
    },
    // (c) core code importing an adapter
    {
      ...at('packages/runtime/src/scheduler.ts', "import { FsStore } from './adapters/fs-store.js';"),
      errors: [{ messageId: 'coreImportsAdapter', data: { source: './adapters/fs-store.js' } }],
    },
    {
      ...at(
        'services/catalog/src/domain/service.ts',
        "import type { PgRepo } from '../adapters/pg/repo.js';",
      ),
      errors: [{ messageId: 'coreImportsAdapter' }],
    },
    {
      ...at('services/catalog/src/domain/service.ts', "export * from '../adapters';"),
      errors: [{ messageId: 'coreImportsAdapter' }],
    },
    {
      ...at('packages/runtime/src/core/index-builder.ts', "const m = await import('../adapters/fs.js');"),
      errors: [{ messageId: 'coreImportsAdapter' }],
    },
  ],
});

describe('roles.js', () => {
  it('only names known platform packages, so typos cannot silently allow nothing', () => {
    const known = Object.keys(PACKAGE_ROLES);
    const listed = [...Object.values(PACKAGE_ROLES).flat(), ...SERVICE_ROLE, ...UNKNOWN_PACKAGE_ROLE];
    expect(listed.filter((dir) => !known.includes(dir))).toEqual([]);
  });

  it('is acyclic', () => {
    const visiting = new Set();
    const done = new Set();
    const visit = (dir, trail) => {
      if (done.has(dir)) return;
      if (visiting.has(dir)) throw new Error(`cycle: ${[...trail, dir].join(' -> ')}`);
      visiting.add(dir);
      for (const dep of PACKAGE_ROLES[dir]) visit(dep, [...trail, dir]);
      visiting.delete(dir);
      done.add(dir);
    };
    for (const dir of Object.keys(PACKAGE_ROLES)) visit(dir, []);
  });

  it('maps paths to workspaces', () => {
    expect(workspaceFromPath('services/catalog/src/x.ts')).toMatchObject({
      label: 'services/catalog',
      name: '@opsloop/service-catalog',
      known: true,
    });
    expect(workspaceFromPath('packages/zzz/src/x.ts')).toMatchObject({ name: '@opsloop/zzz', known: false });
    expect(workspaceFromPath('e2e/x.test.ts')).toBeNull();
    expect(workspaceFromPath('packages')).toBeNull();
  });
});

// The same table governs package.json dependencies: a declared dependency the role forbids fails here.
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies'];

function workspaceManifests() {
  const manifests = [];
  for (const kind of ['packages', 'services']) {
    const kindDir = path.join(REPO_ROOT, kind);
    if (!existsSync(kindDir)) continue;
    for (const entry of readdirSync(kindDir, { withFileTypes: true })) {
      const file = path.join(kindDir, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      manifests.push({ kind, dir: entry.name, file, json: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return manifests;
}

describe('workspace package.json files', () => {
  const manifests = workspaceManifests();

  it.skipIf(manifests.length === 0)('declare only @opsloop/* dependencies allowed by roles.js', () => {
    const violations = [];
    for (const { kind, dir, json } of manifests) {
      const workspace = workspaceFromPath(`${kind}/${dir}`);
      for (const field of DEPENDENCY_FIELDS) {
        for (const name of Object.keys(json[field] ?? {})) {
          if (!isAllowedDependency(workspace, name)) {
            violations.push(`${kind}/${dir}/package.json ${field}: ${name}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it.skipIf(manifests.length === 0)('follow the @opsloop/<dir> / @opsloop/service-<dir> naming', () => {
    const misnamed = manifests
      .filter(({ kind, dir, json }) => json.name !== workspacePackageName(kind, dir))
      .map(
        ({ kind, dir, json }) =>
          `${kind}/${dir}: ${String(json.name)} (expected ${workspacePackageName(kind, dir)})`,
      );
    expect(misnamed).toEqual([]);
  });
});
