// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { TableHead } from './table-head.js';

afterEach(cleanup);

describe('<TableHead>', () => {
  it('heads each column for screen readers, right-aligns figures and leaves out false columns', () => {
    const canOperate = false;
    render(
      <table>
        <TableHead
          columns={[
            'Service',
            { label: 'Restarts', num: true },
            { label: <span className="visually-hidden">Open</span>, key: 'open' },
            canOperate && 'Actions',
          ]}
        />
      </table>,
    );
    const heads = screen.getAllByRole('columnheader');
    expect(heads.map((h) => h.textContent)).toEqual(['Service', 'Restarts', 'Open']);
    expect(heads.map((h) => h.getAttribute('scope'))).toEqual(['col', 'col', 'col']);
    expect(heads.map((h) => h.className)).toEqual(['', 'num', '']);
    expect(within(heads[2]!).getByText('Open').className).toBe('visually-hidden');
  });
});
