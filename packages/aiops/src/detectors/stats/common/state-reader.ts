/** Checked reads of a model's JSON state, so that a malformed snapshot fails loudly at restore time. */
import { DetectorSnapshotError } from '../../detector.js';

export class StateReader {
  private readonly record: Record<string, unknown>;

  constructor(
    private readonly what: string,
    state: unknown,
  ) {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new DetectorSnapshotError(`${what}: state is not an object`);
    }
    this.record = state as Record<string, unknown>;
  }

  number(key: string): number {
    const value = this.record[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DetectorSnapshotError(`${this.what}: "${key}" is not a finite number`);
    }
    return value;
  }

  numbers(key: string, length?: number): number[] {
    const value = this.record[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DetectorSnapshotError(`${this.what}: "${key}" is not an array of finite numbers`);
    }
    if (length !== undefined && value.length !== length) {
      throw new DetectorSnapshotError(
        `${this.what}: "${key}" has ${value.length} entries, expected ${length}`,
      );
    }
    return [...(value as number[])];
  }

  object(key: string): unknown {
    return this.record[key];
  }
}
