/**
 * Template ids come from the text of the template a cluster was born with (64-bit FNV-1a, two 32-bit halves),
 * not from a counter, so they do not depend on how many templates came before; merges keep the older id and
 * snapshots keep every id, so a restored miner gives the same lines the same ids.
 */
export function templateIdOf(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (a >>> 7), 0x0100019d) >>> 0;
  }
  return `t${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}
