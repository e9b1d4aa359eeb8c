// Placeholder: being built.
export function ServicePage(props: { service: string }) {
  return <h1>{props.service}</h1>;
}
