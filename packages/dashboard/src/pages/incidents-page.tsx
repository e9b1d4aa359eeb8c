// Placeholder: being built.
export function IncidentsPage() {
  return <h1>IncidentsPage</h1>;
}
