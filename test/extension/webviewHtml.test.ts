import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, createNonce, escapeHtml, webviewHtml } from '../../src/extension/webviewHtml';

const options = (nonce = createNonce()) => ({
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/explanation.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/explanation.css',
  nonce,
  title: 'Explain: <credit-risk>',
});

test('the CSP allows only the webview source for styles, fonts and images, and only the nonce for scripts', () => {
  const nonce = createNonce();
  const html = webviewHtml(options(nonce));
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(csp, 'the page has a CSP meta tag');
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['style-src'], ['https://file+.vscode-resource.vscode-cdn.net']);
  assert.deepEqual(directives['script-src'], [`'nonce-${nonce}'`]);
  assert.deepEqual(directives['img-src'], ['https://file+.vscode-resource.vscode-cdn.net', 'data:']);
  assert.deepEqual(directives['font-src'], ['https://file+.vscode-resource.vscode-cdn.net']);
  for (const v of Object.values(directives).flat()) {
    assert.ok(!["'unsafe-inline'", "'unsafe-eval'", '*'].includes(v as string), `no ${v as string}`);
  }
  assert.equal(contentSecurityPolicy('src', 'n'), "default-src 'none'; style-src src; script-src 'nonce-n'; img-src src data:; font-src src");
});

test('every script tag is external and carries the nonce; there are no inline scripts, styles or handlers', () => {
  const nonce = createNonce();
  const html = webviewHtml(options(nonce));
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${nonce}"`));
  assert.match(scripts[0][1], /src="https:\/\/[^"]+\/dist\/webview\/explanation\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'the script has no inline body');
  assert.doesNotMatch(html, /<style\b/i);
  assert.doesNotMatch(html, /\sstyle=/i);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/[^"]+\/media\/explanation\.css">/);
});

test('a fresh random nonce per call, long enough not to be guessed', () => {
  const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
  assert.equal(nonces.size, 50);
  for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
  const a = webviewHtml(options());
  const b = webviewHtml(options());
  assert.notEqual(/nonce-([^']+)'/.exec(a)?.[1], /nonce-([^']+)'/.exec(b)?.[1]);
});

test('the title is escaped and a malformed nonce is refused', () => {
  const html = webviewHtml(options());
  assert.match(html, /<title>Explain: &lt;credit-risk&gt;<\/title>/);
  assert.equal(escapeHtml(`<img src=x onerror="alert(1)">'&`), '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;');
  assert.throws(() => webviewHtml(options('abc')), /nonce/);
  assert.throws(() => webviewHtml(options(`${'a'.repeat(16)}' 'unsafe-inline`)), /nonce/);
});
