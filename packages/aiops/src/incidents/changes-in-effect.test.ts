import { describe, expect, it } from 'vitest';
import { changesInEffect, type ChangeFacts } from './changes-in-effect.js';

const change = (atMs: number, more: Partial<ChangeFacts> & { change: string }): ChangeFacts => ({
  atMs,
  ...more,
});

describe('changesInEffect', () => {
  it('drops responses, and what a response on the same subject undid before the cut-off', () => {
    const flip = change(1, { change: 'flag', flag: 'timeout' });
    const other = change(2, { change: 'flag', flag: 'pricing' });
    const deploy = change(3, { change: 'deploy', service: 'catalog' });
    const scaled = change(4, { change: 'scale', service: 'catalog', origin: 'autoscaler' });
    const revert = change(5, { change: 'flag', flag: 'timeout', origin: 'remediation' });
    const crash = change(6, { change: 'replica-exited', service: 'orders' });
    const all = [flip, other, deploy, scaled, revert, crash];
    // Scaling undoes no release; the flag's flip was turned back.
    expect(changesInEffect(all)).toEqual([other, deploy, crash]);
    // A response after the cut-off (the incident's own) leaves the change it answered in place.
    expect(changesInEffect(all, 4)).toEqual([flip, other, deploy, crash]);
    const rollback = change(7, { change: 'rollback', service: 'catalog', origin: 'remediation' });
    expect(changesInEffect([deploy, rollback])).toEqual([]);
  });
});
