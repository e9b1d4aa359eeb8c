import type { ReactNode } from 'react';

/** A column heading: its label, and `num` for figures (right-aligned like their cells). */
export type Column = string | { label: ReactNode; num?: boolean; key?: string };

/**
 * The heading row of a data table. Every table of the dashboard heads its columns the same way, so that
 * screen readers announce them (`scope="col"`) and figures line up; `false` entries are columns left out
 * (e.g. `canOperate && 'Actions'`).
 */
export function TableHead(props: { columns: readonly (Column | false)[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column, index) => {
          if (column === false) return null;
          if (typeof column === 'string')
            return (
              <th key={column} scope="col">
                {column}
              </th>
            );
          return (
            <th
              key={column.key ?? (typeof column.label === 'string' ? column.label : index)}
              scope="col"
              className={column.num === true ? 'num' : undefined}
            >
              {column.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
