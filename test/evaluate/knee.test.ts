import { describe, expect, it } from 'vitest';
import { kneeIndex } from '../../src/evaluate/knee.js';

describe('kneeIndex (Kneedle)', () => {
  it('finds the bend of an increasing convex curve (sorted k-distances)', () => {
    // flat then steep: the knee is the last point before the climb
    const y = [1, 1.1, 1.2, 1.3, 1.4, 1.5, 3, 6, 12, 24];
    expect(kneeIndex(y, { curve: 'convex', direction: 'increasing' })).toBe(6);
  });

  it('finds the elbow of a decreasing convex curve (inertia by k)', () => {
    const inertia = [1000, 400, 150, 120, 100, 90, 85, 82];
    const k = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(k[kneeIndex(inertia, { curve: 'convex', direction: 'decreasing' }, k)]).toBe(3);
  });

  it('finds the knee of a concave increasing curve (explained variance)', () => {
    const y = [0.5, 0.8, 0.9, 0.93, 0.95, 0.96, 0.97];
    expect(kneeIndex(y, { curve: 'concave', direction: 'increasing' })).toBe(2);
  });

  it('returns -1 for flat or too short curves', () => {
    expect(kneeIndex([1, 1, 1, 1], { curve: 'convex', direction: 'increasing' })).toBe(-1);
    expect(kneeIndex([1, 2], { curve: 'convex', direction: 'increasing' })).toBe(-1);
    expect(kneeIndex([0, 1, 2, 3], { curve: 'convex', direction: 'increasing' })).toBe(-1);
  });
});
