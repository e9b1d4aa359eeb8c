// Placeholder: being built.
export function IncidentPage(props: { id: string }) {
  return <h1>{props.id}</h1>;
}
