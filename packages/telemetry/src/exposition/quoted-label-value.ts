/**
 * Reads the label value whose opening quote is at `line[start - 1]` (both text formats escape the same three
 * characters: `\\`, `\"` and `\n`). Returns the value and the index just past its closing quote; calls
 * `fail` (which throws) on an unterminated value or another escape.
 */
export function readQuotedLabelValue(
  line: string,
  start: number,
  labelName: string,
  fail: (message: string) => never,
): { value: string; end: number } {
  let pos = start;
  let value = '';
  for (;;) {
    const ch = line[pos];
    if (ch === undefined) fail(`unterminated value of label ${labelName}`);
    if (ch === '"') break;
    if (ch === '\\') {
      const next = line[pos + 1];
      if (next === '\\' || next === '"') value += next;
      else if (next === 'n') value += '\n';
      else fail(`invalid escape "\\${next ?? ''}" in label ${labelName} (only \\\\, \\" and \\n)`);
      pos += 2;
    } else {
      value += ch;
      pos++;
    }
  }
  return { value, end: pos + 1 };
}
