import { join } from 'node:path';
import { initBackend } from '../../../src/engine/backend';
import { explain } from '../../../src/engine/explain';
import { boxRegion, energyInRegion, pointingGameHit, randomPointingExpectation } from '../../../src/engine/metrics/localization';
import { ModelRegistry } from '../../../src/engine/models/registry';
import truth from '../../fixtures/image/truth.json';
const dir = join(__dirname, '../../fixtures/image');
(async () => {
  await initBackend('wasm');
  const models = new ModelRegistry();
  const methods: [string, object][] = JSON.parse(process.env.METHODS ?? '[["integrated-gradients",{}],["grad-cam",{}],["occlusion",{"window":[4,4,3],"stride":[2,2,3]}]]');
  for (const [method, options] of methods) {
    let hits = 0, energy = 0, rnd = 0, t0 = Date.now(), correct = 0;
    for (const im of truth.images) {
      const e = await explain({ modelPath: process.env.MODEL ?? join(dir, 'planted/model.json'), input: { kind: 'image-file', path: join(dir, 'test', im.file) }, method: method as any, options }, models);
      const region = boxRegion(32, 32, im.box);
      if (pointingGameHit(e.image!.pixelMap.values, region)) hits++;
      energy += energyInRegion(e.image!.pixelMap.values, region) / truth.images.length;
      rnd += randomPointingExpectation(region) / truth.images.length;
      if (e.prediction.label === im.label) correct++;
    }
    console.log(`${method}: pointing ${(hits / truth.images.length).toFixed(3)} energy ${energy.toFixed(3)} random ${rnd.toFixed(3)} acc ${correct}/${truth.images.length} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  models.clear();
})();
