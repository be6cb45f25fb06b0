// What a stored report contributes to the monitor: status.lastReport with the persona tests,
// the DriftDetected summary naming who moved, and the notice; reports stored before the
// persona tests keep their old form.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  driftNotice,
  driftSummary,
  reportStatus,
} from '../../../src/controllers/driftmonitor/report-status.ts';
import { sampleDriftDetails } from '../../support/drift-details.ts';
import { sampleReport } from './sample.ts';

const url = 'http://op/reports/7';
const withPersonas = sampleReport(true, { details: sampleDriftDetails() });

describe('a report with persona tests', () => {
  test('status.lastReport: what fired, the mix with who grew and shrank, novelty, who moved', () => {
    const s = reportStatus(withPersonas, url);
    assert.deepEqual(s.fired, ['personaMix', 'perPersona']);
    assert.equal(s.personaReference, 'stored');
    assert.deepEqual(s.personaMix, {
      result: 'Drifted',
      test: 'chisquare',
      statistic: 76.2,
      pValue: 5e-15,
      threshold: 0.05,
      grew: ['Budget Brian'],
      shrank: ['Sustainable Steve'],
      moved: 'Budget Brian 18.4% → 40.6%, Sustainable Steve 18.4% → 6.8%',
    });
    assert.deepEqual(s.novelty, { share: 0.012, maxShare: 0.05, drifted: false });
    assert.deepEqual(s.perPersona, { personasTested: 3, moved: ['Eco-Conscious Haley: monthly_spend'] });
  });

  test('the DriftDetected summary names the personas before the columns', () => {
    assert.equal(
      driftSummary(withPersonas),
      'persona mix drifted: Budget Brian 18.4% → 40.6%, Sustainable Steve 18.4% → 6.8%; ' +
        'personas moved: Eco-Conscious Haley (monthly_spend); ' +
        '1 of 2 columns drifted (share 0.5, dataset drifts at 0.5): age',
    );
  });

  test('the notice carries them for the notifiers', () => {
    const n = driftNotice('shop/customers-march', withPersonas, url, new Date('2025-03-01T12:00:10Z'));
    assert.equal(n.monitor, 'shop/customers-march');
    assert.deepEqual(n.fired, ['personaMix', 'perPersona']);
    assert.equal(n.personaMix?.moves.length, 2);
    assert.deepEqual(n.at, new Date('2025-03-01T12:00:10Z'));
  });
});

test('a report stored before the persona tests keeps the old status and summary', () => {
  const old = sampleReport(true);
  const s = reportStatus(old, url);
  for (const k of ['fired', 'personaMix', 'novelty', 'perPersona', 'personaReference'] as const) {
    assert.equal(s[k], undefined, k);
  }
  assert.equal(driftSummary(old), '1 of 2 columns drifted (share 0.5, dataset drifts at 0.5): age');
});

test('status.lastReport.driftShare is rounded to three decimals for kubectl; the report keeps it exact', () => {
  const fourOfNine = { ...sampleReport(true), share: 4 / 9 };
  assert.equal(reportStatus(fourOfNine, url).driftShare, 0.444);
  assert.equal(fourOfNine.share, 4 / 9);
});
