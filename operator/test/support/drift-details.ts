// The details a drift Job stores with a report whose persona mix drifted: Budget Brian grew,
// Sustainable Steve shrank, novelty stayed low, and Eco-Conscious Haley moved in monthly_spend.
import type { DriftDetails } from '@persona-operator/core/drift/index';

export function sampleDriftDetails(): DriftDetails {
  return {
    rule: { anyOf: ['features', 'personaMix', 'novelty', 'perPersona'] },
    fired: ['personaMix', 'perPersona'],
    personas: {
      reference: { source: 'stored', rows: 500 },
      assignment: { currentRows: 500, assignedRows: 500, unassignedRows: 0, issues: [] },
      mix: {
        test: 'chisquare',
        statistic: 76.2,
        pValue: 5e-15,
        threshold: 0.05,
        drifted: true,
        personas: [
          { name: 'Budget Brian', referenceShare: 0.184, currentShare: 0.406, change: 'grew' },
          { name: 'Premium Paula', referenceShare: 0.13, currentShare: 0.094, change: 'steady' },
          { name: 'Sustainable Steve', referenceShare: 0.184, currentShare: 0.068, change: 'shrank' },
        ],
      },
      novelty: {
        percentile: 0.99,
        distanceThreshold: 1.6,
        expectedShare: 0.01,
        share: 0.012,
        maxShare: 0.05,
        rowsBeyond: 6,
        assignedRows: 500,
        drifted: false,
      },
      perPersona: {
        minRows: 30,
        falseAlarmRate: 0.01,
        personasTested: 3,
        tests: 27,
        personas: [
          {
            name: 'Budget Brian',
            referenceRows: 92,
            currentRows: 203,
            tested: true,
            drifted: false,
            driftedFeatures: [],
            columns: [],
          },
          {
            name: 'Eco-Conscious Haley',
            referenceRows: 87,
            currentRows: 83,
            tested: true,
            drifted: true,
            driftedFeatures: ['monthly_spend'],
            columns: [],
          },
        ],
      },
    },
  };
}
