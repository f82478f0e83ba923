// Grep-style guard: webview code never turns strings into markup or code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|js)$/.test(f) ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/\binnerHTML\b/, 'innerHTML'],
  [/\bouterHTML\b/, 'outerHTML'],
  [/\binsertAdjacentHTML\b/, 'insertAdjacentHTML'],
  [/\bdocument\.write(ln)?\b/, 'document.write'],
  [/\beval\s*\(/, 'eval'],
  [/\bnew\s+Function\b/, 'new Function'],
  [/\bsetAttribute\(\s*['"](style|on\w+)['"]/, 'setAttribute of style/on* attributes'],
  [/\bcreateElement\(\s*['"]script['"]/, 'createElement("script")'],
  [/\bDOMParser\b|\bcreateContextualFragment\b/, 'markup parsing'],
];

test('webview sources use no HTML-from-string or eval APIs', () => {
  const files = sources(join(root, 'webview'));
  assert.ok(files.some((f) => f.endsWith('explanation.ts')), 'the webview entry is scanned');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(text, pattern, `${file} uses ${what}`);
  }
});

test('the guard itself catches each forbidden API', () => {
  const samples = ['el.innerHTML = x', 'el.outerHTML', 'el.insertAdjacentHTML("x", y)', 'eval(code)', 'new Function("x")', "el.setAttribute('onclick', s)"];
  for (const s of samples) assert.ok(FORBIDDEN.some(([p]) => p.test(s)), s);
});
