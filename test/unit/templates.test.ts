import { describe, expect, it } from 'vitest';
import { createRenderer } from '../../reporting/templates';
import type { ComplianceKpis } from '../../reporting/report-kpis';
import type { AccessAuditKpis } from '../../reporting/access-audit';
import type { ConsentLogKpis } from '../../reporting/consent-log';
import { trendBars } from '../../reporting/trend';
import { inventorySection } from '../../reporting/sensitivity-inventory';

const sources: ComplianceKpis['sources'] = [
  { source: 'cdn', kind: 'access', format: 'combined', location: '/logs/cdn.log', state: 'delivered', files: 1, filesLoaded: 1, filesAlreadyLoaded: 0, filesFailed: 0, records: 1234, rejected: 1, problems: [], ok: true, line: '1 file, 1,234 records, 1 rejected' },
];
const kpis: ComplianceKpis = {
  verdict: { status: 'non-compliant', line: 'Non-compliant: 3 medium findings; Alert #7 (medium): open, not acknowledged' },
  accessEvents: 1234,
  auditTrailEvents: 5,
  consentEvents: 7,
  sources,
  rejected: { total: 1, scope: 'lines quarantined when their file was first loaded by a run of this window', bySourceReason: [{ source: 'cdn', reason: 'unknown purpose "<script>"', n: 1 }] },
  findings: { total: 3, byRule: [{ rule: 'denied_access', name: 'Denied access to personal data', action: 'Check the principal.', severity: 'medium', n: 3 }] },
  lateData: {
    lateRows: { access: 2, audit: 0, consent: 1, total: 3 },
    windows: [{ window: { start: '2026-11-01T09:00:00.000Z', end: '2026-11-01T10:00:00.000Z' }, revisionWorkflowId: 'wf-1-late-20261101T090000Z-20261101T100000Z', lateRows: { access: 2, audit: 0, consent: 1, total: 3 } }],
  },
  revision: null,
  incidents: {
    total: 1, bucket: '1h',
    byRule: [{ rule: 'denied_access', name: 'Denied access to personal data', severity: 'medium', n: 1, findings: 3 }],
    top: [{
      id: 4, rule: 'denied_access', about: 'principal:p_0123', severity: 'medium', findings: 3,
      bucketStart: '2026-11-01T10:00:00.000Z', bucketEnd: '2026-11-01T11:00:00.000Z',
      firstSeen: '2026-11-01T10:05:00.000Z', lastSeen: '2026-11-01T10:45:00.000Z',
      description: 'Access attempt was denied (read)', sampleFindingIds: [11, 12, 13], growths: 0,
    }],
  },
  violations: {
    rows: [
      { severity: 'critical', findings: 0, consentViolations: 0, total: 0 },
      { severity: 'high', findings: 0, consentViolations: 0, total: 0 },
      { severity: 'medium', findings: 3, consentViolations: 0, total: 3 },
      { severity: 'low', findings: 0, consentViolations: 0, total: 0 },
    ],
    findings: 3, consentViolations: 0, total: 3, alertCounts: 3, consentSeverity: 'high',
  },
  topPrincipals: [{ principalKey: 'p_0123', n: 3 }],
  consentViolations: { total: 0, name: 'Processing without consent', action: 'Stop it.', byPurpose: [], uncertain: 0 },
  masking: { eligible: 1234, excludedByConsent: 0, toMask: 1234, masked: 617, notMasked: 617 },
  inventory: inventorySection([
    { source: 'cdn', field: 'resource', kind: 'EMAIL_ADDRESS', seen: 12, handled: 12, firstSeen: '2026-11-01T10:02:00.000Z', lastSeen: '2026-11-01T10:58:00.000Z' },
    { source: 'cdn', field: 'user_agent', kind: 'PHONE_NUMBER', seen: 3, handled: 2, firstSeen: '2026-11-01T10:05:00.000Z', lastSeen: '2026-11-01T10:07:00.000Z' },
  ]),
  consentStatus: [{ purpose: 'analytics', granted: 10, withdrawn: 2 }],
  alert: { raised: true, id: 7, severity: 'medium', state: 'open', owner: 'oncall@example.org', line: 'Alert #7 (medium): open, not acknowledged; acknowledge with: govflow alerts ack 7' },
  nextSteps: [{ topic: 'medium', count: 3, step: 'Within 4h: review the findings.', owner: 'dpo@example.org' }],
};
const trend = trendBars([
  { windowStart: '2026-11-01T08:00:00.000Z', windowEnd: '2026-11-01T09:00:00.000Z', findings: 6, violations: 0, rejected: 0, current: false },
  { windowStart: '2026-11-01T09:00:00.000Z', windowEnd: '2026-11-01T10:00:00.000Z', findings: 0, violations: 1, rejected: 0, current: false },
  { windowStart: '2026-11-01T10:00:00.000Z', windowEnd: '2026-11-01T11:00:00.000Z', findings: 3, violations: 0, rejected: 1, current: true },
]);
const data = {
  title: 'Compliance report',
  window: { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' },
  workflowId: 'wf-1',
  runUrl: 'http://localhost:8233/namespaces/default/workflows/wf-1',
  policyHash: 'ab'.repeat(32),
  generatedAt: '2026-11-01T11:05:00.000Z',
  kpis,
  trend,
  trendRuns: 8,
  consentStatus: [{ purpose: 'analytics', granted: 10, withdrawn: 2, requiresConsent: true }],
};

describe('compliance report templates', () => {
  const render = createRenderer();

  it('renders the HTML twin with its sections, escaped', () => {
    const html = render('compliance-report.html', data);
    for (const id of ['verdict', 'alert', 'next-steps', 'summary', 'sources', 'severity', 'findings', 'late-data', 'incidents', 'consent', 'masking', 'inventory', 'quarantine', 'trend', 'provenance']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('wf-1-late-20261101T090000Z-20261101T100000Z');
    expect(html).toContain('principal:p_0123');
    expect(html).not.toContain('id="revised"');
    expect(html).toContain('1,234');
    expect(html).toContain('50.0%');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('Every access that needed consent had it.');
    expect(html).toContain(data.runUrl);
  });

  it('draws the trend as inline-CSS bars scaled to the busiest run, marking this run', () => {
    const html = render('compliance-report.html', data);
    expect(html).toContain('<td width="100%" style="background:#dc2626');
    expect(html).toContain('<td width="50%" style="background:#dc2626');
    expect(html).toContain('<td width="17%" style="background:#f59e0b');
    expect(html).toContain('(this run)');
    expect(html).not.toMatch(/<svg|<script|<style/);
    const text = render('compliance-report.txt', data);
    expect(text).toContain('findings   ###############............... 3  <- this run');
    expect(text).toContain('analytics            10 / 2  (needs consent)');
  });

  it('marks a revised window\'s reports, saying what arrived late and which run found it', () => {
    const revision = { reason: 'late-data', detectedBy: 'wf-2', governedAt: '2026-11-01T11:00:05.000Z', lateRows: { access: 0, audit: 6, consent: 1, total: 7 } };
    const text = render('compliance-report.txt', { ...data, revision, kpis: { ...kpis, revision } });
    expect(text).toContain('REVISED: this window was governed again because 7 row(s) arrived after it was governed (0 access, 6 audit-trail, 1 consent;');
    expect(text).toContain('found by run wf-2');
    expect(render('compliance-report.html', { ...data, revision })).toContain('id="revised"');
    expect(render('compliance-report.txt', data)).not.toContain('REVISED');
  });

  it('lists late rows for earlier windows and the incidents', () => {
    const text = render('compliance-report.txt', data);
    expect(text).toContain('3 late row(s) (2 access, 0 audit-trail, 1 consent); governed again by wf-1-late-20261101T090000Z-20261101T100000Z');
    expect(text).toMatch(/#4 medium\s+denied_access\s+principal:p_0123: 3 finding\(s\)/);
    expect(text).toMatch(/Incidents\s+1 \(findings grouped/);
  });

  it('lists the sensitivity inventory by source and field, with fideslang categories and whether masking handled each', () => {
    for (const twin of ['compliance-report.html', 'compliance-report.txt']) {
      const out = render(twin, data);
      expect(out, twin).toContain('Sensitivity inventory');
      expect(out, twin).toMatch(/user\.contact\.email[^\n]*EMAIL_ADDRESS/);
      expect(out, twin).toContain('2026-11-01T10:02:00.000Z');
      expect(out, twin).toContain('no (1 not masked)');
    }
    const none = render('compliance-report.txt', { ...data, kpis: { ...kpis, inventory: inventorySection([]) } });
    expect(none).toContain('none found in this window');
  });

  it('renders the text twin unescaped, with provenance', () => {
    const text = render('compliance-report.txt', data);
    expect(text).toMatch(/Audit findings\s+3/);
    expect(text).toContain('Denied access to personal data [denied_access] (medium): 3');
    expect(text).toContain('unknown purpose "<script>"');
    expect(text).toContain(`Policy:      sha256 ${data.policyHash}`);
    expect(text).toContain('2026-11-01 10:00:00 UTC to 2026-11-01 11:00:00 UTC');
  });

  it('opens with the verdict, the alert with its owner, and what to do next, in both twins', () => {
    for (const twin of ['compliance-report.html', 'compliance-report.txt']) {
      const out = render(twin, data);
      const verdictAt = out.indexOf('Non-compliant: 3 medium findings');
      expect(verdictAt, twin).toBeGreaterThan(-1);
      expect(verdictAt, twin).toBeLessThan(out.indexOf('Access events governed'));
      expect(out).toContain('Alert #7 (medium): open, not acknowledged; acknowledge with: govflow alerts ack 7');
      expect(out).toMatch(/[Oo]wner: oncall@example\.org/);
      expect(out).toContain('Within 4h: review the findings.');
      expect(out).toContain('dpo@example.org');
    }
    const clean = render('compliance-report.txt', { ...data, kpis: { ...kpis, nextSteps: [] } });
    expect(clean).toContain('Nothing to do for this window.');
  });

  it('lists every source with what it delivered, naming the path of one that delivered nothing', () => {
    const missing = { ...sources[0]!, source: 'bastion', kind: 'audit', state: 'missing' as const, files: 0, filesLoaded: 0, records: 0, rejected: 0, ok: false, line: 'missing: /logs/auth.log' };
    const d = { ...data, kpis: { ...kpis, sources: [...sources, missing] } };
    const text = render('compliance-report.txt', d);
    expect(text).toMatch(/ok cdn\s+access\s+1 file, 1,234 records, 1 rejected/);
    expect(text).toMatch(/!! bastion\s+audit\s+missing: \/logs\/auth\.log/);
    const html = render('compliance-report.html', d);
    expect(html).toContain('missing: /logs/auth.log');
    expect(html).toContain('✗</strong> bastion');
  });

  it('counts consent violations by severity beside the findings, with the total the alert uses', () => {
    const rows = kpis.violations.rows.map((r) => (r.severity === 'high' ? { ...r, consentViolations: 2, total: 2 } : r));
    const d = { ...data, kpis: { ...kpis, violations: { ...kpis.violations, rows, consentViolations: 2, total: 5, alertCounts: 5 }, consentViolations: { ...kpis.consentViolations, total: 2 } } };
    const text = render('compliance-report.txt', d);
    expect(text).toContain('high       0 + 2 = 2');
    expect(text).toContain('total      3 + 2 = 5');
    expect(text).toContain('the alert counts 5 of these 5');
    expect(text).toContain('Processing without consent [consent_violation] (high): 2');
    const html = render('compliance-report.html', d);
    expect(html).toContain('The alert counts 5 of these 5');
  });

  it('names each rule in plain language next to its id, with what to do', () => {
    const html = render('compliance-report.html', data);
    expect(html).toContain('Denied access to personal data<br><code style="font-size:12px;color:#6b7280">denied_access</code>');
    expect(html).toContain('Check the principal.');
    expect(render('compliance-report.txt', data)).toContain('What to do: Check the principal.');
  });

  it('tells masking left out by consent from masking not done', () => {
    const d = { ...data, kpis: { ...kpis, masking: { eligible: 37, excludedByConsent: 2, toMask: 35, masked: 35, notMasked: 0 } } };
    const text = render('compliance-report.txt', d);
    expect(text).toContain('35 of 35 access events to mask (100.0%)');
    expect(text).toContain('excluded by consent  2 (left out on purpose');
    expect(text).toMatch(/not masked\s+0\n/);
    expect(text).toMatch(/Masking coverage\s+100\.0% of events to mask/);
    const html = render('compliance-report.html', d);
    expect(html).toContain('None is missing.');
    expect(html).toContain('<td width="5.4%" style="background:#9ca3af');
    const gap = render('compliance-report.html', data);
    expect(gap).toContain('617 not masked</strong>');
  });

  it('says which quarantined lines it lists', () => {
    expect(render('compliance-report.txt', data)).toContain('Quarantined input (lines quarantined when their file was first loaded by a run of this window)');
    expect(render('compliance-report.html', data)).toContain('Scope: lines quarantined when their file was first loaded by a run of this window.');
  });

  it('fails loudly when the data misses a field the template uses', () => {
    expect(() => render('compliance-report.txt', { ...data, kpis: { ...kpis, findings: undefined } })).toThrow();
  });
});

const base = {
  window: data.window, workflowId: 'wf-1', runUrl: data.runUrl, policyHash: data.policyHash, generatedAt: data.generatedAt,
};

describe('access audit summary and consent management log', () => {
  const render = createRenderer();
  const access: AccessAuditKpis = {
    accessEvents: 40, distinctPrincipals: 6, distinctSubjects: 9,
    byOutcome: [{ key: 'success', n: 36 }, { key: 'denied', n: 4 }],
    byAction: [{ key: 'view', n: 40 }], byDataCategory: [], byPurpose: [{ key: 'analytics', n: 10 }], byRegion: [{ key: 'eu', n: 40 }],
    auditTrail: { total: 2, byActionOutcome: [{ action: 'role_grant', outcome: 'denied', n: 2 }] },
    findings: { total: 4, byRuleSeverity: [{ rule: 'denied_access', severity: 'medium', n: 4 }] },
    topPrincipals: [{ principalKey: 'p_abc', n: 4 }],
  };
  const consent: ConsentLogKpis = {
    events: 5, distinctSubjects: 4,
    byPurpose: [{ purpose: 'advertising', granted: 1, withdrawn: 2 }], bySignal: [{ key: 'explicit', n: 5 }],
    currentState: [{ purpose: 'advertising', granted: 7, withdrawn: 3 }],
    violations: { total: 1, byPurposeReason: [{ purpose: 'advertising', reason: 'withdrawn', n: 1 }] }, rejected: 1,
  };

  it('renders both twins of the access audit summary from the shared layout', () => {
    const html = render('access-audit.html', { ...base, title: 'Access audit summary', kpis: access });
    for (const id of ['summary', 'outcomes', 'actions', 'regions', 'audit-trail', 'findings', 'provenance']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('90.0%');
    const text = render('access-audit.txt', { ...base, title: 'Access audit summary', kpis: access });
    expect(text).toContain('denied                       4 (10.0%)');
    expect(text).toContain('role_grant (denied): 2');
    expect(text).toContain('Run:         wf-1');
  });

  it('renders both twins of the consent management log', () => {
    const html = render('consent-log.html', { ...base, title: 'Consent management log', kpis: consent });
    for (const id of ['summary', 'changes', 'signals', 'state', 'violations', 'provenance']) expect(html).toContain(`id="${id}"`);
    const text = render('consent-log.txt', { ...base, title: 'Consent management log', kpis: consent });
    expect(text).toContain('advertising          1 / 2');
    expect(text).toContain('advertising / withdrawn: 1');
  });
});
