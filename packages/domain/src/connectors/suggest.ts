// "Did you mean …?" for column names and source values: a loose match (case, spaces, underscores,
// hyphens and dots ignored) first, then the closest name by edit distance.

function loose(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, "");
}

/** Levenshtein distance (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate the user most likely meant, or undefined when nothing is close enough. */
export function closestName(wanted: string, candidates: readonly string[]): string | undefined {
  const key = loose(wanted);
  const looseMatch = candidates.find((c) => loose(c) === key);
  if (looseMatch !== undefined) return looseMatch;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(key, loose(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Close enough: a third of the name may differ (at least two edits for short names).
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** "a, b, c" with at most `max` names, then "…". */
export function listNames(names: readonly string[], max = 40): string {
  return names.length > max ? `${names.slice(0, max).join(", ")}, …` : names.join(", ");
}

/** The message for a column that is not in a file's header. */
export function columnNotFoundMessage(column: string, header: readonly string[], where = "the sample file"): string {
  const guess = closestName(column, header);
  return `Column '${column}' is not in ${where}.${guess ? ` Did you mean '${guess}'?` : ""} The file has: ${listNames(header)}.`;
}
