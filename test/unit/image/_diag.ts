import { join } from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { ModelRegistry } from '../../../src/engine/models/registry';
import truth from '../../fixtures/image/truth.json';
const dir = join(__dirname, '../../fixtures/image');
(async () => {
  await initBackend('wasm');
  const models = new ModelRegistry();
  for (const im of truth.images.slice(0, 30)) {
    const e = await explain({ modelPath: process.env.MODEL ?? join(dir, 'planted/model.json'), input: { kind: 'image-file', path: join(dir, 'test', im.file) }, method: 'grad-cam', options: {} }, models);
    const v = e.image!.pixelMap.values; let m = 0; v.forEach((x, i) => { if (x > v[m]) m = i; });
    const y = Math.floor(m / 32), x = m % 32; const b = im.box;
    const inside = y >= b.top && y < b.top + 7 && x >= b.left && x < b.left + 7;
    const cam = e.maps!.cam.values; 
    if (!inside) console.log(im.file, im.label, 'box', b.top, b.left, 'max at', y, x, 'cam', cam.map((c) => c.toFixed(2)).join(' ').slice(0, 0));
  }
  models.clear();
})();
