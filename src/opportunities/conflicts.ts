/**
 * Our edits to an opportunity against Halo's, field by field. Pure: no clock, no database, no Halo.
 *
 * Three inputs per record: `base` (Halo's values as of the last time we saw Halo), `pending` (our edits Halo does
 * not have yet, each with the time it was made) and `remote` (Halo's values now). For every pending field:
 * - Halo already holds our value            → nothing to push; the edit is done (no conflict).
 * - Halo still holds the base value         → our edit stands and stays pending (no conflict).
 * - Halo changed it to something else too   → a conflict, decided by {@link CONFLICT_RULE} and reported.
 * Fields without a pending edit take Halo's value.
 */

/** The fields of an opportunity that can be edited on our side (names of `OpportunityRow`, the mapped Halo row). */
export const OPPORTUNITY_FIELDS = ['title', 'status', 'value', 'ownerAgentId', 'haloTypeId', 'haloCompanyId', 'haloContactId'] as const;
export type OpportunityField = (typeof OPPORTUNITY_FIELDS)[number];

export interface PendingChange {
  value: unknown;
  /** When the edit was made on our side (ISO-8601). */
  at: string;
}
export type PendingChanges = Record<string, PendingChange>;

/**
 * The stated rule. Per field, the later edit wins: our edit's time against the Halo record's last-update time.
 * A tie, or a Halo record without a last-update time, goes to Halo (the system of record). The losing value is
 * never dropped silently: every conflict is returned (and stored in `sync_conflict`) with both values.
 */
export const CONFLICT_RULE = 'LATEST_EDIT_WINS';

export interface FieldConflict {
  field: string;
  base: unknown;
  local: unknown;
  halo: unknown;
  localAt: string;
  haloAt: string | null;
  winner: 'LOCAL' | 'HALO';
  rule: typeof CONFLICT_RULE;
}

export interface MergeInput {
  base: Record<string, unknown> | null | undefined;
  pending: PendingChanges;
  remote: Record<string, unknown>;
  /** Halo's last update of the record (record-level: Halo keeps no per-field times). */
  remoteUpdatedAt: Date | null;
}

export interface MergeResult {
  /** Fields whose value on our side stands (still to be pushed); every other field takes Halo's value. */
  keepLocal: string[];
  /** What is still pending after the merge. */
  pending: PendingChanges;
  conflicts: FieldConflict[];
  /** Halo's values as now seen: the base of the next merge. */
  base: Record<string, unknown>;
}

const norm = (v: unknown): unknown => (v === undefined ? null : v);
export const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(norm(a)) === JSON.stringify(norm(b));

/** The rule itself: does our edit, made at `localAt`, beat Halo's record last updated at `haloAt`? */
export function localEditWins(localAt: string, haloAt: Date | null): boolean {
  if (!haloAt) return false;
  const local = Date.parse(localAt);
  return Number.isFinite(local) && local > haloAt.getTime();
}

export function mergeOpportunity({ base, pending, remote, remoteUpdatedAt }: MergeInput): MergeResult {
  const keepLocal: string[] = [];
  const still: PendingChanges = {};
  const conflicts: FieldConflict[] = [];
  for (const [field, change] of Object.entries(pending)) {
    const halo = norm(remote[field]);
    if (sameValue(halo, change.value)) continue;
    const haloUnchanged = base != null && field in base && sameValue(base[field], halo);
    if (haloUnchanged) {
      keepLocal.push(field);
      still[field] = change;
      continue;
    }
    const winner = localEditWins(change.at, remoteUpdatedAt) ? 'LOCAL' : 'HALO';
    conflicts.push({
      field,
      base: base && field in base ? norm(base[field]) : null,
      local: norm(change.value),
      halo,
      localAt: change.at,
      haloAt: remoteUpdatedAt ? remoteUpdatedAt.toISOString() : null,
      winner,
      rule: CONFLICT_RULE,
    });
    if (winner === 'LOCAL') {
      keepLocal.push(field);
      still[field] = change;
    }
  }
  return { keepLocal, pending: still, conflicts, base: { ...remote } };
}
