import { grafanaDashboard, type GrafanaJson } from './grafana-dashboard.js';

/**
 * The shop's business: orders by status, payments by outcome and amount, stock reservations and the cart
 * funnel (created → checked out / abandoned). Reads the services' business metrics (docs/observability.md).
 * The stock gauges are database-wide (every inventory replica reports the same value): `max`, not `sum`.
 */
export function shopBusinessDashboard(): GrafanaJson {
  const rate = (metric: string, by: string, filter = '') =>
    `sum by (${by}) (rate(${metric}${filter === '' ? '' : `{${filter}}`}[5m]))`;
  return grafanaDashboard({
    uid: 'opsloop-shop-business',
    title: 'opsloop / Shop business',
    description:
      'Orders, payments, stock reservations and the cart funnel, from the services’ business metrics.',
    tags: ['opsloop', 'business'],
    variables: [],
    panels: [
      {
        title: 'Orders/s by status entered',
        unit: 'requests/s',
        queries: [{ expr: rate('orders_total', 'status'), legend: '{{status}}' }],
      },
      {
        title: 'Payment authorizations/s by outcome',
        unit: 'requests/s',
        queries: [
          {
            expr: rate('payments_total', 'outcome', 'operation="authorize"'),
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Declined share of authorizations',
        unit: 'ratio',
        min: 0,
        queries: [
          {
            expr: 'sum(rate(payments_total{operation="authorize",outcome="declined"}[5m])) / sum(rate(payments_total{operation="authorize",outcome=~"authorized|declined"}[5m]))',
            legend: 'declined',
          },
        ],
      },
      {
        title: 'Captured amount/s by currency (minor units)',
        unit: 'none',
        queries: [
          {
            expr: rate('payment_amount_minor_units_total', 'currency', 'outcome="captured"'),
            legend: '{{currency}}',
          },
        ],
      },
      {
        title: 'Stock reservations/s by outcome',
        unit: 'requests/s',
        queries: [
          {
            expr: rate('stock_reservations_total', 'operation, outcome'),
            legend: '{{operation}} {{outcome}}',
          },
        ],
      },
      {
        title: 'Reservations held and products out of stock',
        unit: 'none',
        queries: [
          { expr: 'max(stock_reservations_active)', legend: 'reservations held' },
          { expr: 'max(stock_products_unavailable)', legend: 'products unavailable' },
        ],
      },
      {
        title: 'Cart funnel/s',
        unit: 'requests/s',
        queries: [
          { expr: 'sum(rate(carts_created_total[5m]))', legend: 'created' },
          { expr: 'sum(rate(carts_checked_out_total[5m]))', legend: 'checked out' },
          { expr: 'sum(rate(carts_abandoned_total[5m]))', legend: 'abandoned' },
        ],
      },
      {
        title: 'Cart abandonment (abandoned / created, 1 day)',
        unit: 'ratio',
        min: 0,
        queries: [
          {
            expr: 'sum(increase(carts_abandoned_total[1d])) / sum(increase(carts_created_total[1d]))',
            legend: 'abandoned',
          },
        ],
      },
    ],
  });
}
