// A synthetic platform with known violations of every audit rule, for tests and demos.
//
// generateScenario() returns a policy and the three JSONL sources (in the formats of examples/),
// holding one clean hour (`cleanWindow`: ordinary traffic that breaks no rule and needs no consent
// it lacks) and one planted hour (`plantedWindow`: the same traffic plus violations). `planted`
// lists, per rule, each violation as the set of event ids its finding must cite; `consentViolations`
// lists the accesses that lacked consent. Two days separate the hours, more than any rule's
// look-back, so neither hour can see the other. Pure and deterministic: no clock, no randomness.

import type { Window } from '../../workflow-safe/window';

export interface AccessLine {
  event_id: string;
  time: string;
  principal?: string;
  subject?: string;
  action: string;
  resource: string;
  data_category?: string;
  purpose?: string;
  outcome: 'success' | 'denied' | 'failed';
  source_ip: string;
  region?: string;
  user_agent?: string;
}

export interface AuditLine {
  event_id: string;
  time: string;
  actor: string;
  action: string;
  target: string;
  outcome: 'success' | 'denied' | 'failed';
  source_ip: string;
}

export interface ConsentLine {
  event_id: string;
  user_id: string;
  purpose: string;
  granted: boolean;
  time: string;
  source: string;
  evidence: string;
}

/** A consent signal the JSONL export cannot carry (GPC, TCF): the caller inserts it into the ledger. */
export interface ConsentSignal {
  source: string;
  event_id: string;
  subject_id: string;
  purpose: string;
  granted: boolean;
  occurred_at: string;
  signal: 'gpc' | 'tcf';
}

export interface PlantedFinding {
  rule: string;
  /** What was planted, for a readable test failure. */
  what: string;
  eventIds: string[];
}

export interface Scenario {
  policy: Record<string, unknown>;
  access: AccessLine[];
  audit: AuditLine[];
  consent: ConsentLine[];
  consentSignals: ConsentSignal[];
  cleanWindow: Window;
  plantedWindow: Window;
  planted: PlantedFinding[];
  consentViolations: Array<{ eventId: string; purpose: string; reason: 'never_granted' | 'refused' | 'withdrawn' }>;
}

const CLEAN_HOUR = '2026-03-02T10:00:00.000Z';
const PLANTED_HOUR = '2026-03-04T10:00:00.000Z';
const CONSENT_GIVEN = '2026-03-01T00:00:00Z';
const HOUR_MS = 3_600_000;

const EU_SUBJECTS = Array.from({ length: 30 }, (_, i) => `eu-${String(i + 1).padStart(3, '0')}`);
const US_SUBJECTS = Array.from({ length: 5 }, (_, i) => `us-${String(i + 1).padStart(3, '0')}`);
/** People the ledger never asked: accessing them for analytics is a violation. */
const UNASKED_SUBJECT = 'us-900';

export const SCENARIO_POLICY = {
  version: 1,
  purposes: [
    { id: 'service_delivery', requiresConsent: false },
    { id: 'security', requiresConsent: false },
    { id: 'analytics', requiresConsent: true },
  ],
  audit: {
    deniedSeverity: 'medium',
    bruteForce: { minFailures: 5, withinMinutes: 10 },
    successAfterFailures: { minFailures: 3, withinMinutes: 15 },
    bulkExport: { actions: ['export*'], maxSubjectsPerHour: 20, maxRows: 10000 },
  },
  access: {
    dataCategories: ['user.account', 'user.device.ip_address', 'user.behavior.media_consumption'],
    roles: [
      {
        id: 'support',
        allow: [{ actions: ['read'], categories: ['user.account'], purposes: ['service_delivery'],
          when: { regions: ['eu-*'], requireJustification: true, hours: { from: 8, to: 18 } } }],
      },
      {
        id: 'support-jp',
        allow: [{ actions: ['read'], categories: ['user.account'], purposes: ['service_delivery'],
          when: { hours: { from: 9, to: 18, timeZone: 'Asia/Tokyo' } } }],
      },
      {
        // Hours spanning midnight, in a half-hour time zone: 16:00–09:00 in India is 10:30–03:30 UTC.
        id: 'night-support',
        allow: [{ actions: ['read'], categories: ['user.account'], purposes: ['service_delivery'],
          when: { hours: { from: 16, to: 9, timeZone: 'Asia/Kolkata' } } }],
      },
      { id: 'analyst', allow: [{ actions: ['read'], categories: ['user.behavior'], purposes: ['analytics'] }] },
      { id: 'fraud', allow: [{ actions: ['read'], categories: ['user.device'], purposes: ['security'] }] },
      { id: 'exporter', allow: [{ actions: ['export'], categories: ['user.behavior'], purposes: ['analytics'] }] },
      { id: 'operator', allow: [{ actions: ['*'], categories: ['*'], purposes: ['security'] }] },
    ],
    principals: [
      { id: 'agent-1', roles: ['support'] },
      { id: 'agent-jp', roles: ['support-jp'] },
      { id: 'agent-in', roles: ['night-support'] },
      { id: 'svc-analytics', roles: ['analyst'] },
      { id: 'svc-fraud', roles: ['fraud'] },
      { id: 'svc-export', roles: ['exporter'] },
      { id: 'ops-admin', aliases: ['arn:aws:iam::123456789012:user/ops-admin'], roles: ['operator'] },
      { id: 'ex-employee', roles: ['support'], deactivated: '2026-01-01T00:00:00Z' },
    ],
    publicResources: ['/', '/public/*'],
    protectedResources: ['/api/*', '/admin/*', 'secrets/*'],
    sovereignty: [{ name: 'eu-residents', subjects: 'eu-*', regions: ['eu-*'] }],
  },
};

/** Builds the lines of one hour; `at(minute, second)` is an instant inside it. */
class HourBuilder {
  private n = 0;
  constructor(
    private readonly hourStart: string,
    private readonly prefix: string,
    readonly access: AccessLine[],
    readonly audit: AuditLine[],
  ) {}

  at(minute: number, second = 0): string {
    return new Date(Date.parse(this.hourStart) + minute * 60_000 + second * 1000).toISOString();
  }

  private id(kind: string): string {
    this.n += 1;
    return `${this.prefix}-${kind}-${String(this.n).padStart(4, '0')}`;
  }

  read(minute: number, fields: Omit<AccessLine, 'event_id' | 'time' | 'action' | 'outcome'> & Partial<Pick<AccessLine, 'action' | 'outcome'>>, second = 0): string {
    const line: AccessLine = { event_id: this.id('acc'), time: this.at(minute, second), action: 'read', outcome: 'success', ...fields };
    this.access.push(line);
    return line.event_id;
  }

  trail(minute: number, fields: Omit<AuditLine, 'event_id' | 'time' | 'outcome'> & Partial<Pick<AuditLine, 'outcome'>>, second = 0): string {
    const line: AuditLine = { event_id: this.id('trl'), time: this.at(minute, second), outcome: 'success', ...fields };
    this.audit.push(line);
    return line.event_id;
  }
}

/**
 * Ordinary traffic: every access allowed, justified, in hours and region, with consent. Returns
 * the ids of its (small) export, which a bulk export later in the same hour must cite too.
 */
function cleanTraffic(h: HourBuilder): string[] {
  EU_SUBJECTS.slice(0, 10).forEach((subject, i) => {
    h.read(2 + i, { principal: 'agent-1', subject, resource: `/api/v1/users/${subject}/account?ticket=SUP-${100 + i}`,
      data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.10', region: 'eu-west-1' });
    h.read(3 + i, { principal: 'svc-analytics', subject, resource: `/api/v1/users/${subject}/watch-history`,
      data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.2.0.20', region: 'eu-central-1' });
    h.read(4 + i, { principal: 'svc-fraud', subject, resource: `/api/v1/users/${subject}/devices`,
      data_category: 'user.device.ip_address', purpose: 'security', source_ip: '10.3.0.30', region: 'eu-central-1' });
  });
  US_SUBJECTS.forEach((subject, i) => {
    h.read(20 + i, { principal: 'svc-analytics', subject, resource: `/api/v1/users/${subject}/watch-history`,
      data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.2.0.21', region: 'us-east-1' });
  });
  const exported = EU_SUBJECTS.slice(0, 5).map((subject, i) =>
    h.read(30, { principal: 'svc-export', subject, action: 'export', resource: '/api/v1/exports/watch-history',
      data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.4.0.40', region: 'eu-west-1' }, i));
  h.read(35, { principal: 'agent-in', subject: 'eu-008', resource: '/api/v1/users/eu-008/account', data_category: 'user.account',
    purpose: 'service_delivery', source_ip: '10.1.0.13', region: 'eu-west-1' });
  h.read(31, { resource: '/public/catalogue?page=2', action: 'read', source_ip: '192.0.2.10' });
  h.read(32, { principal: '-', resource: '/', action: 'read', source_ip: '192.0.2.11' });
  h.read(33, { resource: '/about/careers', action: 'read', source_ip: '192.0.2.12' });
  h.trail(5, { actor: 'ops-admin', action: 'login', target: 'console', source_ip: '10.9.0.1' });
  h.trail(6, { actor: 'arn:aws:iam::123456789012:user/ops-admin', action: 'DescribeInstances', target: 'ec2', source_ip: '10.9.0.1' });
  h.trail(7, { actor: 'ops-admin', action: 'export.create', target: 'dataset=watch-history rows=500', source_ip: '10.9.0.1' });
  h.trail(8, { actor: 'ops-admin', action: 'get', target: 'rbac.authorization.k8s.io/clusterrolebindings/view', source_ip: '10.9.0.1' });
  return exported;
}

function consentLedger(): ConsentLine[] {
  const lines: ConsentLine[] = [];
  for (const subject of [...EU_SUBJECTS, ...US_SUBJECTS]) {
    lines.push({ event_id: `con-${subject}-analytics`, user_id: subject, purpose: 'analytics', granted: true,
      time: CONSENT_GIVEN, source: 'cmp-web', evidence: 'banner-v4' });
  }
  return lines;
}

export function generateScenario(): Scenario {
  const access: AccessLine[] = [];
  const audit: AuditLine[] = [];
  const consent = consentLedger();
  const planted: PlantedFinding[] = [];
  const plant = (rule: string, what: string, ...eventIds: string[]) => planted.push({ rule, what, eventIds });

  cleanTraffic(new HourBuilder(CLEAN_HOUR, 'clean', access, audit));
  const h = new HourBuilder(PLANTED_HOUR, 'plant', access, audit);
  const ordinaryExports = cleanTraffic(h);

  // Denied attempts: one access, one admin action, each from its own IP and far from the bursts
  // below (by time and principal) so no burst forms.
  plant('denied_access', 'a denied read', h.read(20, { principal: 'agent-1', subject: 'eu-001', outcome: 'denied',
    resource: '/api/v1/users/eu-001/payment', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.9.1', region: 'eu-west-1' }));
  plant('denied_admin_action', 'a failed admin call', h.trail(25, { actor: 'ops-admin', action: 'config.write', target: 'flags', outcome: 'failed', source_ip: '10.9.9.1' }));

  // Brute force from one IP against many user names (SSH-style): one burst finding.
  const sweep = ['root', 'admin', 'test', 'oracle', 'ubuntu', 'git'].map((user, i) => {
    const id = h.trail(41, { actor: user, action: 'login', target: 'sshd', outcome: 'failed', source_ip: '203.0.113.50' }, i * 7);
    plant('denied_admin_action', `ssh failure ${user}`, id);
    return id;
  });
  plant('brute_force', 'six failures from one IP in a minute', ...sweep);

  // Password spraying: one principal, five IPs, one failure each.
  const spray = [1, 2, 3, 4, 5].map((k) => {
    const id = h.trail(44 + k, { actor: 'agent-1', action: 'login', target: 'console', outcome: 'failed', source_ip: `198.51.100.${k}` });
    plant('denied_admin_action', `spray failure ${k}`, id);
    return id;
  });
  plant('brute_force', 'five failures against one principal from five IPs', ...spray);

  // Three failures then a success from the same IP: possible compromise (below brute-force N).
  const guesses = [0, 1, 2].map((k) => {
    const id = h.trail(50, { actor: 'ops-admin', action: 'login', target: 'console', outcome: 'failed', source_ip: '198.51.100.77' }, k * 10);
    plant('denied_admin_action', `guess ${k}`, id);
    return id;
  });
  const success = h.trail(51, { actor: 'ops-admin', action: 'login', target: 'console', source_ip: '198.51.100.77' });
  plant('success_after_failures', 'a login after three failures', success, ...guesses);

  // RBAC: the fraud service reading viewing history.
  plant('rbac_violation', 'fraud service reads behaviour', h.read(42, { principal: 'svc-fraud', subject: 'eu-002',
    resource: '/api/v1/users/eu-002/watch-history', data_category: 'user.behavior.media_consumption', purpose: 'security', source_ip: '10.3.0.30', region: 'eu-central-1' }));

  // ABAC: no ticket; wrong region (a US subject, so no sovereignty rule applies); outside Tokyo hours.
  plant('abac_violation', 'support read without a ticket', h.read(43, { principal: 'agent-1', subject: 'eu-003',
    resource: '/api/v1/users/eu-003/account', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.10', region: 'eu-west-1' }));
  plant('abac_violation', 'support read from a US region', h.read(43, { principal: 'agent-1', subject: 'us-001',
    resource: '/api/v1/users/us-001/account?ticket=SUP-9', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.10', region: 'us-east-1' }, 30));
  plant('abac_violation', 'Tokyo support outside its hours', h.read(44, { principal: 'agent-jp', subject: 'eu-004',
    resource: '/api/v1/users/eu-004/account', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.11', region: 'eu-west-1' }));

  plant('abac_violation', 'night support before its shift', h.read(20, { principal: 'agent-in', subject: 'eu-009',
    resource: '/api/v1/users/eu-009/account', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.13', region: 'eu-west-1' }, 30));

  // Sovereignty: an EU resident's data processed in us-east-1 by an otherwise allowed service.
  plant('sovereignty_breach', 'EU data read in the US', h.read(45, { principal: 'svc-analytics', subject: 'eu-005',
    resource: '/api/v1/users/eu-005/watch-history', data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.2.0.21', region: 'us-east-1' }));

  // Unknown principals: on the platform and in the audit trail. A deactivated one.
  plant('unknown_principal', 'unlisted principal reads an account', h.read(46, { principal: 'intruder-9', subject: 'us-002',
    resource: '/api/v1/users/us-002/account', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.66.0.1', region: 'us-east-1' }));
  plant('unknown_principal', 'unlisted actor', h.trail(46, { actor: 'mallory', action: 'config.read', target: 'flags', source_ip: '10.66.0.2' }));
  plant('deactivated_principal', 'former employee reads an account', h.read(47, { principal: 'ex-employee', subject: 'eu-006',
    resource: '/api/v1/users/eu-006/account?ticket=SUP-77', data_category: 'user.account', purpose: 'service_delivery', source_ip: '10.1.0.12', region: 'eu-west-1' }));

  // Bulk export: 25 more people in the hour (30 with the ordinary export; threshold 20), and one
  // 50 000-row export.
  const exported = EU_SUBJECTS.slice(5, 30).map((subject, i) =>
    h.read(52, { principal: 'svc-export', subject, action: 'export', resource: '/api/v1/exports/watch-history',
      data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.4.0.40', region: 'eu-west-1' }, i));
  plant('bulk_export', '30 people exported in one hour', ...ordinaryExports, ...exported);
  plant('bulk_export', 'a 50 000-row export', h.trail(53, { actor: 'ops-admin', action: 'export.create', target: 'dataset=profiles rows=50000', source_ip: '10.9.0.1' }));

  // Privileged actions: logging stopped, a trail deleted (denied), a cluster-admin binding, a role grant.
  plant('privileged_action', 'StopLogging', h.trail(54, { actor: 'arn:aws:iam::123456789012:user/ops-admin', action: 'StopLogging', target: 'trail/main', source_ip: '10.9.0.1' }));
  const deleteTrail = h.trail(54, { actor: 'ops-admin', action: 'DeleteTrail', target: 'trail/main', outcome: 'denied', source_ip: '10.9.9.2' }, 30);
  plant('privileged_action', 'DeleteTrail (denied)', deleteTrail);
  plant('denied_admin_action', 'DeleteTrail (denied)', deleteTrail);
  plant('privileged_action', 'cluster-admin binding', h.trail(55, { actor: 'ops-admin', action: 'create',
    target: 'rbac.authorization.k8s.io/clusterrolebindings/evil roleRef=cluster-admin', source_ip: '10.9.0.1' }));
  plant('privileged_action', 'role grant', h.trail(55, { actor: 'ops-admin', action: 'role.grant', target: 'role=exporter principal=svc-fraud', source_ip: '10.9.0.1' }, 30));

  // Anonymous access to non-public resources, on the platform and on the cluster.
  plant('anonymous_access', 'anonymous profile read', h.read(56, { subject: 'us-003', resource: '/api/v1/users/us-003/account',
    data_category: 'user.account', purpose: 'service_delivery', source_ip: '192.0.2.99' }));
  plant('anonymous_access', 'anonymous read of a person\'s data off the protected paths', h.read(57, { subject: 'us-004',
    resource: '/legacy/profile?id=us-004', data_category: 'user.account', purpose: 'service_delivery', source_ip: '192.0.2.97' }));
  plant('anonymous_access', 'anonymous secret read', h.trail(56, { actor: 'system:anonymous', action: 'get', target: 'secrets/db-password', source_ip: '192.0.2.98' }));

  // Consent: withdrawals before accesses (explicit; a GPC header, an opt-out even on a record that
  // says granted; a TCF refusal), and an access to someone never asked. The bulk export above
  // reads three of the withdrawn people's data: violations too.
  const consentSignals: ConsentSignal[] = [
    { source: 'browser', event_id: 'gpc-1', subject_id: 'eu-010', purpose: 'analytics', granted: true, occurred_at: h.at(30), signal: 'gpc' },
    // Browsers send GPC with every request: the repeat is no second withdrawal.
    { source: 'browser', event_id: 'gpc-2', subject_id: 'eu-010', purpose: 'analytics', granted: true, occurred_at: h.at(40), signal: 'gpc' },
    { source: 'tcf', event_id: 'tcf-1', subject_id: 'eu-011', purpose: 'analytics', granted: false, occurred_at: h.at(35), signal: 'tcf' },
  ];
  consent.push({ event_id: 'con-eu-007-withdrawn', user_id: 'eu-007', purpose: 'analytics', granted: false,
    time: h.at(10), source: 'privacy-center', evidence: 'settings-page' });
  const afterWithdrawal = h.read(15, { principal: 'svc-analytics', subject: 'eu-007', resource: '/api/v1/users/eu-007/watch-history',
    data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.2.0.20', region: 'eu-central-1' });
  const unasked = h.read(16, { principal: 'svc-analytics', subject: UNASKED_SUBJECT, resource: `/api/v1/users/${UNASKED_SUBJECT}/watch-history`,
    data_category: 'user.behavior.media_consumption', purpose: 'analytics', source_ip: '10.2.0.21', region: 'us-east-1' });

  const window = (start: string): Window => ({ start, end: new Date(Date.parse(start) + HOUR_MS).toISOString() });
  return {
    policy: SCENARIO_POLICY,
    access,
    audit,
    consent,
    consentSignals,
    cleanWindow: window(CLEAN_HOUR),
    plantedWindow: window(PLANTED_HOUR),
    planted,
    consentViolations: [
      { eventId: afterWithdrawal, purpose: 'analytics', reason: 'withdrawn' },
      { eventId: unasked, purpose: 'analytics', reason: 'never_granted' },
      ...['eu-007', 'eu-010', 'eu-011'].map((subject) => ({
        eventId: exported[EU_SUBJECTS.indexOf(subject) - 5]!, purpose: 'analytics', reason: 'withdrawn' as const,
      })),
    ],
  };
}

/** Every audit rule the scenario plants a violation of. */
export function plantedRules(s: Scenario): string[] {
  return [...new Set(s.planted.map((p) => p.rule))].sort();
}
