/** Bad input to root-cause localisation: a one-line reason. */
export class RcaInputError extends Error {
  override readonly name = 'RcaInputError';
}
