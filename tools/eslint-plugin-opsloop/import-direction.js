// ESLint 9 rule `opsloop/import-direction`: enforces the dependency direction described in
// docs/architecture.md, using the table in ./roles.js.
//
//  a. an `@opsloop/*` import must be allowed for the importing workspace's role;
//  b. a relative import must not reach into another workspace (use its package name instead);
//  c. core never imports an adapter: only files inside `adapters/` and composition roots
//     (index.ts, main.ts, tests) may import a path inside an `adapters/` directory.
//
// Only files under packages/<dir>/ and services/<dir>/ (relative to the `root` option, default: the
// working directory) are checked; e2e/, tools/, scripts/, bench/ and the rest are unrestricted.

import path from 'node:path';
import { allowedDependencies, isAllowedDependency, scopedPackageName, workspaceFromPath } from './roles.js';

const COMPOSITION_ROOT_FILE = /^(?:index|main)\.[cm]?[jt]sx?$/;
const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$/;
const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'e2e']);
const ADAPTERS_DIR = 'adapters';

function splitPath(p) {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

function isRelative(specifier) {
  return specifier === '.' || specifier === '..' || /^\.\.?[\\/]/.test(specifier);
}

function isOutside(relativePath) {
  return relativePath === '..' || /^\.\.[\\/]/.test(relativePath) || path.isAbsolute(relativePath);
}

/** The string value of a module source node, if it is static; otherwise null. */
function staticSource(node) {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0 && node.quasis.length === 1) {
    return node.quasis[0].value.cooked ?? null;
  }
  if (node.type === 'TSLiteralType') return staticSource(node.literal);
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const rule = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'Enforce the workspace dependency direction (roles.js), no relative imports across workspaces, and no adapter imports from core code',
    },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' } },
        additionalProperties: false,
      },
    ],
    messages: {
      forbiddenPackage:
        '{{importer}} may not import {{target}} (allowed: {{allowed}}); see docs/architecture.md',
      forbiddenPackageUnknownRole:
        '{{importer}} may not import {{target}} (allowed: {{allowed}}); {{importer}} has no entry in tools/eslint-plugin-opsloop/roles.js, add it deliberately; see docs/architecture.md',
      crossWorkspaceRelative:
        '{{importer}} may not reach into {{target}} with the relative import "{{source}}"; import the package {{targetName}} instead (if its role allows it); see docs/architecture.md',
      coreImportsAdapter:
        'core never imports an adapter: "{{source}}" is inside an adapters/ directory; only adapters and composition roots (index.ts, main.ts, tests) may import it, so depend on a port and inject the adapter; see docs/architecture.md',
    },
  },

  create(context) {
    const options = context.options[0] ?? {};
    const root = path.resolve(options.root ?? context.cwd ?? process.cwd());
    const filename = context.physicalFilename ?? context.filename;
    if (!filename || filename.startsWith('<')) return {};

    const absoluteFile = path.resolve(root, filename);
    const relativeFile = path.relative(root, absoluteFile);
    if (isOutside(relativeFile)) return {};
    const importer = workspaceFromPath(relativeFile);
    if (importer === null) return {};

    const fileDir = path.dirname(absoluteFile);
    const segments = splitPath(relativeFile);
    const baseName = segments[segments.length - 1];
    const dirsInWorkspace = segments.slice(2, -1);
    const importerIsAdapter = dirsInWorkspace.includes(ADAPTERS_DIR);
    const importerIsCompositionRoot =
      COMPOSITION_ROOT_FILE.test(baseName) ||
      TEST_FILE.test(baseName) ||
      dirsInWorkspace.some((dir) => TEST_DIRS.has(dir));

    function checkPackage(node, specifier) {
      const target = scopedPackageName(specifier);
      if (target === null || isAllowedDependency(importer, target)) return;
      const allowed = allowedDependencies(importer);
      context.report({
        node,
        messageId: importer.known ? 'forbiddenPackage' : 'forbiddenPackageUnknownRole',
        data: {
          importer: importer.label,
          target,
          allowed: allowed.length > 0 ? allowed.join(', ') : 'none',
        },
      });
    }

    function checkRelative(node, specifier) {
      const relativeTarget = path.relative(root, path.resolve(fileDir, specifier));
      if (isOutside(relativeTarget)) return;
      const target = workspaceFromPath(relativeTarget);
      if (target !== null && target.label !== importer.label) {
        context.report({
          node,
          messageId: 'crossWorkspaceRelative',
          data: {
            importer: importer.label,
            target: target.label,
            targetName: target.name,
            source: specifier,
          },
        });
        return;
      }
      if (importerIsAdapter || importerIsCompositionRoot) return;
      const targetSegments = splitPath(relativeTarget);
      const inside = target === null ? targetSegments : targetSegments.slice(2);
      if (inside.includes(ADAPTERS_DIR)) {
        context.report({ node, messageId: 'coreImportsAdapter', data: { source: specifier } });
      }
    }

    function check(sourceNode) {
      const specifier = staticSource(sourceNode);
      if (specifier === null) return;
      if (isRelative(specifier)) checkRelative(sourceNode, specifier);
      else checkPackage(sourceNode, specifier);
    }

    return {
      ImportDeclaration(node) {
        check(node.source);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node.source);
      },
      ExportAllDeclaration(node) {
        check(node.source);
      },
      ImportExpression(node) {
        check(node.source);
      },
      // TypeScript-only forms: `import x = require('...')` and `type T = import('...').T`.
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node.moduleReference.expression);
      },
      TSImportType(node) {
        check(node.source ?? node.argument);
      },
    };
  },
};

export const plugin = {
  meta: { name: 'eslint-plugin-opsloop' },
  rules: { 'import-direction': rule },
};

export default plugin;
