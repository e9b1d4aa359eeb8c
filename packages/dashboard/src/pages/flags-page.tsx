// Placeholder: being built.
export function FlagsPage() {
  return <h1>FlagsPage</h1>;
}
