// Placeholder: being built.
export function DeploymentsPage() {
  return <h1>DeploymentsPage</h1>;
}
