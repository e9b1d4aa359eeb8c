import { describe, expect, it } from 'vitest';
import { keywordClasses } from './keyword-classes.js';

describe('keywordClasses', () => {
  it.each([
    ['database query failed: <*>', ['database']],
    ['provider timeout after <*> ms', ['provider']],
    ['call to <*> failed: 14 UNAVAILABLE: No connection established', ['connection']],
    ['connect ECONNREFUSED <*>', ['connection']],
    ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', ['memory']],
    ['container OOMKilled', ['memory']],
    ['liveness probe failed 3 times', ['hang']],
    ['rate limit exceeded for <*>: 429', ['overload']],
    ['publish of <*> timed out waiting for ack', ['bus']],
    ['request failed: internal error <*>', []],
    ['GET /products 200', []],
  ])('%s', (text, expected) => {
    expect([...keywordClasses(text)].sort()).toEqual(expected);
  });
});
