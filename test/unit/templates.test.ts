import { describe, expect, it } from 'vitest';
import { createRenderer } from '../../lib/templates';
import type { ComplianceKpis } from '../../activities/report-kpis';

const kpis: ComplianceKpis = {
  accessEvents: 1234,
  auditTrailEvents: 5,
  consentEvents: 7,
  rejected: { total: 1, bySourceReason: [{ source: 'cdn', reason: 'unknown purpose "<script>"', n: 1 }] },
  findings: { total: 3, byRule: [{ rule: 'denied_access', severity: 'medium', n: 3 }], bySeverity: { medium: 3 } },
  topPrincipals: [{ principalKey: 'p_0123', n: 3 }],
  consentViolations: { total: 0, byPurpose: [] },
  masking: { masked: 617, eligible: 1234 },
};
const data = {
  title: 'Compliance report',
  window: { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' },
  workflowId: 'wf-1',
  runUrl: 'http://localhost:8233/namespaces/default/workflows/wf-1',
  policyHash: 'ab'.repeat(32),
  generatedAt: '2026-11-01T11:05:00.000Z',
  kpis,
};

describe('compliance report templates', () => {
  const render = createRenderer();

  it('renders the HTML twin with its sections, escaped', () => {
    const html = render('compliance-report.html', data);
    for (const id of ['summary', 'findings', 'consent', 'quarantine', 'provenance']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('1,234');
    expect(html).toContain('50.0%');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('Every access that needed consent had it.');
    expect(html).toContain(data.runUrl);
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
