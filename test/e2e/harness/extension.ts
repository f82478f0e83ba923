// Puts the built extension where code-server looks for it: an unpacked extension is a folder named
// `<publisher>.<name>-<version>` inside --extensions-dir (code-server records it in extensions.json on start).
// package.json, dist/ and media/ are copied, as in a packaged extension: VS Code maps `require('vscode')` to an
// extension by the real path of the requiring file, so a symlinked dist/ would run outside its extension.
// node_modules is linked, for the packages the bundles leave external (onnxruntime-node, tfjs-node when
// installed); only the engine process loads them.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export interface StagedExtension {
  id: string;
  dir: string;
}

export function extensionId(): { id: string; folder: string } {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const id = `${pkg.publisher}.${pkg.name}`;
  return { id, folder: `${id}-${pkg.version}` };
}

export function stageExtension(extensionsDir: string): StagedExtension {
  const { id, folder } = extensionId();
  const dir = join(extensionsDir, folder);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  for (const f of ['README.md', 'LICENSE']) if (existsSync(join(REPO_ROOT, f))) copyFileSync(join(REPO_ROOT, f), join(dir, f));
  for (const d of ['dist', 'media', 'node_modules']) {
    if (!existsSync(join(REPO_ROOT, d))) throw new Error(`${join(REPO_ROOT, d)} is missing; run npm ci and npm run build first`);
  }
  for (const d of ['dist', 'media']) cpSync(join(REPO_ROOT, d), join(dir, d), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { id, dir };
}
