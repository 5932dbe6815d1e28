import { describe, expect, it } from 'vitest';
import { createRenderer } from '../../lib/templates';
import type { ComplianceKpis } from '../../activities/report-kpis';
import type { AccessAuditKpis } from '../../activities/report-access-audit';
import type { ConsentLogKpis } from '../../activities/report-consent-log';
import { trendBars } from '../../lib/trend';

const kpis: ComplianceKpis = {
  accessEvents: 1234,
  auditTrailEvents: 5,
  consentEvents: 7,
  rejected: { total: 1, bySourceReason: [{ source: 'cdn', reason: 'unknown purpose "<script>"', n: 1 }] },
  findings: { total: 3, byRule: [{ rule: 'denied_access', severity: 'medium', n: 3 }], bySeverity: { medium: 3 } },
  topPrincipals: [{ principalKey: 'p_0123', n: 3 }],
  consentViolations: { total: 0, byPurpose: [] },
  masking: { masked: 617, eligible: 1234 },
  consentStatus: [{ purpose: 'analytics', granted: 10, withdrawn: 2 }],
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
    for (const id of ['summary', 'severity', 'findings', 'consent', 'masking', 'quarantine', 'trend', 'provenance']) expect(html).toContain(`id="${id}"`);
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

  it('renders the text twin unescaped, with provenance', () => {
    const text = render('compliance-report.txt', data);
    expect(text).toMatch(/Audit findings\s+3/);
    expect(text).toContain('denied_access (medium): 3');
    expect(text).toContain('unknown purpose "<script>"');
    expect(text).toContain(`Policy:      sha256 ${data.policyHash}`);
    expect(text).toContain('2026-11-01 10:00:00 UTC to 2026-11-01 11:00:00 UTC');
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
