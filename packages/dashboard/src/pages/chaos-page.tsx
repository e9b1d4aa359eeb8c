// Placeholder: being built.
export function ChaosPage() {
  return <h1>ChaosPage</h1>;
}
