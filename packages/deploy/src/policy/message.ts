/**
 * Fills `%s` and `%v` in order, as Rego's sprintf does for strings and numbers: the rules' messages are
 * written once and used by both the local evaluator and the Gatekeeper Rego.
 */
export function formatMessage(template: string, args: readonly (string | number)[]): string {
  let next = 0;
  return template.replace(/%[sv]/g, () => {
    if (next >= args.length)
      throw new Error(`message "${template}" needs more than ${args.length} arguments`);
    return String(args[next++]);
  });
}
