// The HTML shell of a webview panel: a strict Content-Security-Policy, one external stylesheet and one nonce'd
// module script. No data goes into the HTML; the panel receives it as a message. vscode-free so it can be tested.
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(...) of the bundled script and the stylesheet(s), as strings. */
  scriptUri: string;
  styleUri: string | string[];
  nonce: string;
  title: string;
}

/** 128 random bits, base64url: a fresh nonce per page load, so injected markup cannot guess it. */
export function createNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** For attribute values in double quotes: the CSP keeps its single-quoted keywords readable. */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(o.nonce)) throw new Error('webview nonce must be at least 16 base64url characters');
  const csp = escapeAttribute(contentSecurityPolicy(o.cspSource, o.nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${(Array.isArray(o.styleUri) ? o.styleUri : [o.styleUri]).map((u) => `<link rel="stylesheet" href="${escapeAttribute(u)}">`).join('\n')}
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<main id="root" aria-live="polite"></main>
<script type="module" nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>
`;
}
