/** One axis of a multi-objective comparison: a number read off an item and whether smaller or larger is better. */
export interface Objective<T> {
  readonly name: string;
  readonly sense: 'min' | 'max';
  readonly value: (item: T) => number;
}

/** The value turned so that smaller is always better. */
function cost<T>(o: Objective<T>, item: T): number {
  const v = o.value(item);
  if (!Number.isFinite(v)) throw new Error(`objective ${o.name} is not a finite number for an item`);
  return o.sense === 'min' ? v : -v;
}

/** True when costs `a` dominate costs `b`: no worse anywhere and better somewhere. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** Items with their cost vectors, sorted lexicographically best-first, so a dominator always precedes what it dominates. */
function sortedCosts<T>(items: readonly T[], objectives: readonly Objective<T>[]): { item: T; costs: number[] }[] {
  return items
    .map((item) => ({ item, costs: objectives.map((o) => cost(o, item)) }))
    .sort((p, q) => {
      for (let i = 0; i < p.costs.length; i++) if (p.costs[i] !== q.costs[i]) return p.costs[i]! - q.costs[i]!;
      return 0;
    });
}

/**
 * The non-dominated items for two objectives by one sort and a sweep, O(n log n); ordered best-first on `first`.
 * Identical items do not dominate each other, so duplicates on the front are all kept.
 */
export function paretoFront2<T>(items: readonly T[], first: Objective<T>, second: Objective<T>): T[] {
  const sorted = sortedCosts(items, [first, second]);
  const front: T[] = [];
  let bestSecond = Infinity;
  for (let start = 0; start < sorted.length; ) {
    // Items tying on the first objective form a group: only its best on the second can be non-dominated.
    let end = start;
    while (end < sorted.length && sorted[end]!.costs[0] === sorted[start]!.costs[0]) end++;
    const groupBest = sorted[start]!.costs[1]!;
    if (groupBest < bestSecond) {
      for (let i = start; i < end && sorted[i]!.costs[1] === groupBest; i++) front.push(sorted[i]!.item);
      bestSecond = groupBest;
    }
    start = end;
  }
  return front;
}

/**
 * The non-dominated items for any number of objectives, O(n log n + n·f) for a front of size f;
 * ordered best-first lexicographically. Two objectives use the sweep of paretoFront2.
 */
export function paretoFront<T>(items: readonly T[], objectives: readonly Objective<T>[]): T[] {
  if (objectives.length === 2) return paretoFront2(items, objectives[0]!, objectives[1]!);
  const front: { item: T; costs: number[] }[] = [];
  // Processing in lexicographic order means every dominated item meets a dominating front member first.
  for (const candidate of sortedCosts(items, objectives)) {
    if (!front.some((f) => dominates(f.costs, candidate.costs))) front.push(candidate);
  }
  return front.map((f) => f.item);
}

