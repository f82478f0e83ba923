import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LastChoices, type MementoLike } from '../../src/extension/lastChoices';

class MemoryMemento implements MementoLike {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

test('remembers the last model, input and method, merging partial updates', async () => {
  const memento = new MemoryMemento();
  const last = new LastChoices(memento);
  assert.deepEqual(last.get(), {});
  await last.remember({ modelPath: '/m/model.json', input: { kind: 'csv-file', path: '/d/x.csv', row: 3 }, method: 'saliency' });
  await last.remember({ method: 'occlusion' });
  assert.deepEqual(last.get(), { modelPath: '/m/model.json', input: { kind: 'csv-file', path: '/d/x.csv', row: 3 }, method: 'occlusion' });
});

test('ignores stored values that are not valid choices', () => {
  const memento = new MemoryMemento();
  memento.data.set('attributionLens.lastChoices', { modelPath: 7, method: 'magic', input: { kind: 'csv-file', path: '/d/x.csv', row: -1 } });
  assert.deepEqual(new LastChoices(memento).get(), {});
});

test('keeps labels per model, bounded, most recent kept', async () => {
  const memento = new MemoryMemento();
  const last = new LastChoices(memento);
  for (let i = 0; i < 60; i++) await last.rememberLabels(`/m${i}/model.json`, [`a${i}`, `b${i}`]);
  assert.deepEqual(last.labels('/m59/model.json'), ['a59', 'b59']);
  assert.equal(last.labels('/m0/model.json'), undefined);
  await last.rememberLabels('/m10/model.json', ['x']);
  assert.deepEqual(last.labels('/m10/model.json'), ['x']);
  assert.equal(Object.keys(memento.get<Record<string, string[]>>('attributionLens.modelLabels')!).length, 50);
});
