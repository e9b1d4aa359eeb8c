const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks that `name` is a schema name the store accepts and returns it: lower-case letters, digits and
 * `_`, not starting with a digit, at most 63 characters (PostgreSQL's identifier limit), and not reserved
 * (`pg_*`, `information_schema`, `public`). Such a name never needs quoting beyond plain double quotes.
 * Throws a `TypeError` otherwise.
 */
export function assertSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new TypeError(
      `invalid schema name ${JSON.stringify(name)}: expected ^[a-z_][a-z0-9_]{0,62}$ (lower case, digits, _)`,
    );
  }
  if (name.startsWith('pg_') || name === 'information_schema' || name === 'public') {
    throw new TypeError(`invalid schema name ${JSON.stringify(name)}: reserved by PostgreSQL`);
  }
  return name;
}

/** The schema of a service: its name with `-` replaced by `_` (`order-history` → `order_history`), checked. */
export function schemaNameForService(service: string): string {
  return assertSchemaName(service.replaceAll('-', '_'));
}
