/**
 * The part of Mesos's local authorizer (`--acls`, src/authorizer/local/authorizer.cpp) that the
 * mini master enforces: `register_frameworks`, which principals may subscribe with which roles.
 * The subject is FrameworkInfo.principal (set from the authenticated principal when missing).
 * For each role of the framework the first ACL whose principals and roles match decides, and
 * allows only if neither entity is NONE; when none matches, `permissive` (default true) decides.
 * An entity is `{"values": [...]}`, `{"type": "ANY"}` or `{"type": "NONE"}`; ANY and NONE match
 * every value.
 */

export type AclEntity = { values: string[] } | { type: 'ANY' | 'NONE' };

export interface RegisterFrameworksAcl {
  principals: AclEntity;
  roles: AclEntity;
}

/** Mesos's ACLs JSON, limited to what is enforced here. */
export interface Acls {
  permissive?: boolean;
  register_frameworks?: RegisterFrameworksAcl[];
}

export interface CompiledAcls {
  readonly permissive: boolean;
  readonly registerFrameworks: readonly RegisterFrameworksAcl[];
}

const KNOWN_KEYS = new Set(['permissive', 'register_frameworks']);

/** Checks the `acls` option; every error names the key. */
export function compileAcls(acls: Acls): CompiledAcls {
  if (typeof acls !== 'object' || acls === null) throw new TypeError("acls must be an object like Mesos's --acls JSON");
  for (const key of Object.keys(acls)) {
    if (!KNOWN_KEYS.has(key)) throw new TypeError(`acls.${key}: the mini Mesos enforces only 'register_frameworks' (and 'permissive')`);
  }
  if (acls.permissive !== undefined && typeof acls.permissive !== 'boolean') throw new TypeError('acls.permissive must be true or false');
  const entries = acls.register_frameworks ?? [];
  if (!Array.isArray(entries)) throw new TypeError('acls.register_frameworks must be a list');
  for (const [index, acl] of entries.entries()) {
    checkEntity(acl?.principals, `acls.register_frameworks[${index}].principals`);
    checkEntity(acl?.roles, `acls.register_frameworks[${index}].roles`);
  }
  return { permissive: acls.permissive ?? true, registerFrameworks: entries };
}

/** May a framework with this principal (undefined: none) subscribe with every one of `roles`? */
export function mayRegister(acls: CompiledAcls | undefined, principal: string | undefined, roles: readonly string[]): boolean {
  if (acls === undefined) return true;
  return roles.every((role) => {
    for (const acl of acls.registerFrameworks) {
      // A framework without a principal is Mesos's ANY subject: only an ANY or NONE entity matches it.
      const subjectMatches = principal === undefined ? !('values' in acl.principals) : matches(acl.principals, principal);
      if (subjectMatches && matches(acl.roles, role)) return allows(acl.principals, principal) && allows(acl.roles, role);
    }
    return acls.permissive;
  });
}

function matches(entity: AclEntity, value: string): boolean {
  return 'values' in entity ? entity.values.includes(value) : true;
}

function allows(entity: AclEntity, value: string | undefined): boolean {
  if ('values' in entity) return value !== undefined && entity.values.includes(value);
  return entity.type === 'ANY';
}

function checkEntity(entity: unknown, key: string): void {
  const ok =
    typeof entity === 'object' &&
    entity !== null &&
    (('values' in entity && Array.isArray(entity.values) && entity.values.every((value) => typeof value === 'string')) ||
      ('type' in entity && (entity.type === 'ANY' || entity.type === 'NONE')));
  if (!ok) throw new TypeError(`${key} must be {"values": ["…"]}, {"type": "ANY"} or {"type": "NONE"}`);
}
