/** Options or a spec that cannot be rendered; the message is one line naming the field. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}
