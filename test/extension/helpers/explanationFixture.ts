// A hand-written Explanation (the shape the engine returns) for the panel tests.
import type { Explanation } from '../../../src/shared/types';

export function sampleExplanation(overrides: Partial<Explanation> = {}): Explanation {
  const file = '/data/credit/applicants.csv';
  return {
    model: {
      path: '/models/credit-risk/model.json',
      format: 'tfjs-layers',
      inputs: [{ name: 'x', shape: [null, 3], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [null, 2], dtype: 'float32' }],
      hash: 'abc123',
    },
    method: { id: 'integrated-gradients', options: { steps: 50, igMethod: 'gausslegendre', baseline: { kind: 'zero' }, batchSize: 32 } },
    target: { index: 1, label: 'default' },
    prediction: { scores: [0.3, 0.7], index: 1, label: 'default', labels: ['repaid', 'default'] },
    attributions: { shape: [3], values: [0.25, -0.05, 0.1] },
    features: [
      { name: 'age', value: '41', score: 0.25, span: { file, offset: 20, length: 2, line: 1, column: 0 } },
      { name: 'income', value: '52000', score: -0.05, span: { file, offset: 23, length: 5, line: 1, column: 3 } },
      { name: 'debt', value: '9000', score: 0.1, span: { file, offset: 29, length: 4, line: 1, column: 9 } },
    ],
    checks: { targetScore: 0.7, convergenceDelta: 0.0001 },
    backend: 'wasm',
    timings: { loadMs: 12.4, attributeMs: 1530 },
    input: { source: file, row: 0, shape: [3] },
    ...overrides,
  };
}
