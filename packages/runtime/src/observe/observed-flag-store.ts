import type { FlagStore } from '@opsloop/flags';

/**
 * `store`, reporting every change of a flag's default variant (whoever made it: `opsloop flags set`, a
 * chaos injection, remediation's kill switch): a flag flip is a change that incidents are correlated with.
 */
export function observeFlagChanges(
  store: FlagStore,
  onChange: (flag: string, from: string | null, to: string | null) => void,
): FlagStore {
  const defaults = () => new Map(store.list().map((f) => [f.key, f.defaultVariant]));
  const after = (before: Map<string, string | null>) => {
    for (const flag of store.list()) {
      const was = before.get(flag.key) ?? null;
      if (was !== flag.defaultVariant) onChange(flag.key, was, flag.defaultVariant);
    }
  };
  return {
    ...store,
    // A spread copies a getter's value once: the version must be read through to the store.
    get resourceVersion() {
      return store.resourceVersion;
    },
    set(key, change) {
      const before = defaults();
      const snapshot = store.set(key, change);
      after(before);
      return snapshot;
    },
    replace(document) {
      const before = defaults();
      const snapshot = store.replace(document);
      after(before);
      return snapshot;
    },
  };
}
