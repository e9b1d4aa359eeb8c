import { describe, expect, it } from 'vitest';
import { pythonTupleHash } from './python-tuple-hash.js';

describe('pythonTupleHash', () => {
  it('equals CPython 2.7 (64-bit) hash() of int tuples', () => {
    // Values printed by python2.7 -c "print(hash((...)))".
    expect(pythonTupleHash([])).toBe(3527539n);
    expect(pythonTupleHash([1, 2])).toBe(3713081631934410656n);
    expect(pythonTupleHash([65537, 65539, 65540])).toBe(-3359870026201928841n);
    expect(pythonTupleHash([65536, 65538, 65541, 2147483648, 2147483700])).toBe(-1696089308414585144n);
  });
});
