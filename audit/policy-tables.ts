import { globToLike } from '../policy/glob';
import type { Policy } from '../policy/policy';

// The policy, flattened into the rows the audit rules join against in SQL (passed as one jsonb
// parameter each). Roles are expanded per principal and per (action, category, purpose), so a
// permission check is a single EXISTS over indexed-free small sets, not procedural code.

export interface PrincipalRow {
  /** A name the logs use: the principal's id or one of its aliases. */
  name: string;
  principal_id: string;
  /** From when the principal is deactivated; -infinity for `deactivated: true`. */
  deactivated_at: string | null;
}

export interface GrantRow {
  principal_id: string;
  action_like: string;
  /** A category or '*'; covers its dotted sub-categories. */
  category: string;
  purpose: string;
  region_likes: string[] | null;
  require_justification: boolean;
  hour_from: number | null;
  hour_to: number | null;
  time_zone: string;
}

export interface SovereigntyRow {
  name: string;
  subjects_like: string;
  region_likes: string[];
}

/** One row per (kind of privileged action, action pattern), so SQL joins on a single LIKE. */
export interface PrivilegedRow {
  name: string;
  action_like: string;
  target_likes: string[] | null;
  severity: string;
}

export interface PolicyTables {
  principals: PrincipalRow[];
  grants: GrantRow[];
  anonymous: string[];
  publicLikes: string[];
  protectedLikes: string[];
  sovereignty: SovereigntyRow[];
  privileged: PrivilegedRow[];
  exportLikes: string[];
}

export function policyTables(policy: Policy): PolicyTables {
  const { access, audit } = policy;
  const roles = new Map(access.roles.map((r) => [r.id, r]));
  const principals: PrincipalRow[] = [];
  const grants: GrantRow[] = [];
  for (const p of access.principals) {
    const deactivatedAt = p.deactivated === true ? '-infinity' : p.deactivated === false ? null : p.deactivated;
    for (const name of [p.id, ...p.aliases]) principals.push({ name, principal_id: p.id, deactivated_at: deactivatedAt });
    for (const roleId of p.roles) {
      for (const grant of roles.get(roleId)?.allow ?? []) {
        const w = grant.when;
        for (const action of grant.actions) {
          for (const category of grant.categories) {
            for (const purpose of grant.purposes) {
              grants.push({
                principal_id: p.id,
                action_like: globToLike(action),
                category,
                purpose,
                region_likes: w.regions ? w.regions.map(globToLike) : null,
                require_justification: w.requireJustification,
                hour_from: w.hours?.from ?? null,
                hour_to: w.hours?.to ?? null,
                time_zone: w.hours?.timeZone ?? 'UTC',
              });
            }
          }
        }
      }
    }
  }
  return {
    principals,
    grants,
    anonymous: access.anonymousPrincipals,
    publicLikes: access.publicResources.map(globToLike),
    protectedLikes: access.protectedResources.map(globToLike),
    sovereignty: access.sovereignty.map((s) => ({ name: s.name, subjects_like: globToLike(s.subjects), region_likes: s.regions.map(globToLike) })),
    privileged: audit.privilegedActions.flatMap((a) =>
      a.actions.map((action) => ({
        name: a.name,
        action_like: globToLike(action),
        target_likes: a.targets ? a.targets.map(globToLike) : null,
        severity: a.severity,
      })),
    ),
    exportLikes: audit.bulkExport.actions.map(globToLike),
  };
}
