/**
 * Every Redis key the store uses, in one place. All keys start with the configured prefix; all keys
 * of one patient share the hash tag `{p:<patient>}` so they live in one Redis Cluster slot and can be
 * changed atomically by one script. Resources without a patient (Medication, Group…) live under `{u}`.
 */
export type Scope = { patient: string } | { unscoped: true };

export class Keys {
  constructor(readonly prefix: string) {}

  private tag(scope: Scope): string {
    return 'patient' in scope ? `{p:${scope.patient}}` : '{u}';
  }
  /** Source resources: header (version, fingerprint…) and body (JSON without server meta). */
  resHeads(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:res:h`;
  }
  resBodies(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:res:b`;
  }
  /** Normalised clinical events, per source resource key. */
  events(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:ev`;
  }
  /** Derived outputs (courses, flags): current header/body, previous versions per key. */
  outHeads(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:out:h`;
  }
  outBodies(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:out:b`;
  }
  outHistory(s: Scope, key: string): string {
    return `${this.prefix}:${this.tag(s)}:out:hist:${key}`;
  }
  /**
   * Output versions saved whose subscription notifications are not enqueued yet (key → version):
   * written by the same script that saves them, cleared once notified, so a crash in between loses none.
   */
  outUnnotified(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:out:unnotified`;
  }
  /** Last-updated index (score = ms) of every resource of the scope, sources and outputs. */
  lastUpdated(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:lu`;
  }
  /** Assemble claims: a counter taken at job start, and the claim of the last saved result. */
  claim(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:claim`;
  }
  assembled(s: Scope): string {
    return `${this.prefix}:${this.tag(s)}:assembled`;
  }
  /** Every patient (namespaced id) that has data. */
  patients(): string {
    return `${this.prefix}:patients`;
  }
  ingestStatus(jobId: string): string {
    return `${this.prefix}:{in}:status:${jobId}`;
  }
  /**
   * The ingest log, one hash tag `{in}`: accepted payloads by id (a hash: source, body, conditions),
   * the pending index (zset id → received-at ms) of payloads not yet fully processed, the answer of
   * each applied payload, and the dead letters (resources whose mapping exhausted its attempts).
   */
  payload(id: string): string {
    return `${this.prefix}:{in}:payload:${id}`;
  }
  pending(): string {
    return `${this.prefix}:{in}:pending`;
  }
  applied(id: string): string {
    return `${this.prefix}:{in}:applied:${id}`;
  }
  deadLetters(): string {
    return `${this.prefix}:{in}:dead`;
  }
  /** Index of the dead letters by when each was first parked (zset key → ms): oldest age, paging. */
  deadLettersSince(): string {
    return `${this.prefix}:{in}:dead:since`;
  }
  /**
   * The stored resources whose mapping resolves `refKey` (an administration's Medication, an
   * Observation's Specimen): a set of `<key> <patient>` (patient '' when none), so that a change of
   * the referenced resource maps them again (queue/map-items.ts `mapDependents`).
   */
  dependents(refKey: string): string {
    return `${this.prefix}:dep:${refKey}`;
  }
  /** Conditional create: `<source>|<Type>|<system>|<value>` → resource key. */
  identifiers(): string {
    return `${this.prefix}:ident`;
  }
  /** BullMQ prefix: braces put every queue key in one Cluster slot, as BullMQ requires there. */
  queuePrefix(): string {
    return `{${this.prefix}:q}`;
  }
}

export function scopeOf(patient: string | undefined): Scope {
  return patient ? { patient } : { unscoped: true };
}

/** Global locator: resource key → patient ('' for unscoped), so a read by id finds its scope. */
export function locatorKey(prefix: string): string {
  return `${prefix}:loc`;
}

/** Bulk export job records (hash per job) and their expiry index (zset: job id → expires-at ms). */
export function exportJobKey(prefix: string, id: string): string {
  return `${prefix}:export:${id}`;
}
export function exportExpiryKey(prefix: string): string {
  return `${prefix}:export-expiry`;
}
