import { FilePathError } from './errors.js';

/**
 * Why `path` may not name a file inside a replica's directory, or undefined if it may: it must be
 * relative, use `/` separators, and contain no `..`, empty or `.` segment and no NUL, so it cannot
 * escape the directory or be spelled two ways.
 */
export function relativePathProblem(path: string): string | undefined {
  if (path === '') return 'expected a file path';
  if (path.includes('\0')) return 'must not contain NUL';
  if (path.includes('\\')) return 'use "/" as the separator';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'must be relative to the replica directory';
  const segments = path.split('/');
  if (segments.includes('..')) return 'must not contain ".." (it would leave the replica directory)';
  if (segments.some((segment) => segment === '' || segment === '.'))
    return 'must not contain empty or "." segments';
  return undefined;
}

/** Throws {@link FilePathError} unless `path` is a safe relative file path (see {@link relativePathProblem}). */
export function assertRelativePath(path: string): void {
  const problem = relativePathProblem(path);
  if (problem !== undefined) throw new FilePathError(path, `file path "${path}": ${problem}`);
}
