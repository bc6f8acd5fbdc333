import { Random } from '../../src/core/random.js';

/** Column names of {@link makeChurn}'s features, in matrix order. */
export const churnFeatures = [
  'age',
  'income',
  'spend',
  'visits',
  'tenure_days',
  'support_tickets',
  'discount_rate',
  'last_login_days',
] as const;

/**
 * A seeded churn table shaped like fixtures/customers.csv plus behaviour columns: churn depends non-linearly on
 * recency, tenure, tickets and spend (with an interaction), and 8 % of labels are flipped. About 30 % churn.
 */
export function makeChurn(n: number, seed: number): { X: Float64Array; y: Float64Array; csv: string } {
  const rng = new Random(seed);
  const d = churnFeatures.length;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  const lines = ['customer_id,' + churnFeatures.join(',') + ',churned'];
  for (let i = 0; i < n; i++) {
    const age = Math.round(18 + 60 * rng.next());
    const income = Math.round(20000 + 80000 * rng.next() ** 1.5);
    const visits = Math.floor(-Math.log(1 - rng.next()) * 8);
    const spend = Math.round((visits * (10 + 40 * rng.next()) + income / 5000) * 100) / 100;
    const tenure = Math.round(30 + 1500 * rng.next());
    const tickets = Math.floor(-Math.log(1 - rng.next()) * 1.2);
    const discount = Math.round(rng.next() * 30) / 100;
    const lastLogin = Math.round(-Math.log(1 - rng.next()) * 40);
    const z =
      -1.2 +
      0.035 * lastLogin -
      0.0012 * tenure +
      0.45 * tickets -
      0.004 * spend +
      (lastLogin > 60 && tickets >= 2 ? 1.5 : 0) +
      (age < 25 ? 0.4 : 0) +
      2 * discount;
    let label = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    if (rng.next() < 0.08) label = 1 - label;
    const row = [age, income, spend, visits, tenure, tickets, discount, lastLogin];
    X.set(row, i * d);
    y[i] = label;
    lines.push(`C${String(i + 1).padStart(6, '0')},${row.join(',')},${label}`);
  }
  return { X, y, csv: lines.join('\n') + '\n' };
}
