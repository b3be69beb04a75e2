/**
 * The HTML shell shared by the pages: inline CSS (screen and A4-landscape print), an optional small
 * inline script, and the Content-Security-Policy that allows exactly that script (by hash) and nothing
 * from elsewhere: no external fonts, styles, images or connections.
 */
import { createHash } from 'node:crypto';
import { esc } from './format';

const CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2833;background:#fff}
header{display:flex;gap:1rem;align-items:baseline;justify-content:space-between;padding:.6rem 1rem;border-bottom:1px solid #d5d8dc}
header h1{font-size:1.2rem;margin:0}
header nav a,header nav button{margin-left:.8rem;font-size:.9rem}
main{padding:.8rem 1rem;max-width:1140px}
svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
th,td{border:1px solid #d5d8dc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f4f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev-high{color:#c0392b}.sev-moderate{color:#d35400}.sev-low{color:#2471a3}
.withdrawn .what,.withdrawn-text{text-decoration:line-through;color:#7f8c8d}
details.flag-detail{border:1px solid #d5d8dc;border-radius:4px;margin:.3rem 0;padding:.3rem .6rem}
details.flag-detail[open]{border-color:#2e86c1;background:#fbfcfc}
details.flag-detail summary{cursor:pointer}
.note{color:#566573;font-size:.85rem}
.error{color:#922b21;font-weight:bold}
form.inline{display:inline}
button{font:inherit;cursor:pointer}
label{display:block;margin:.6rem 0 .2rem}
input[type=password],select{font:inherit;padding:.3rem;min-width:22rem}
a:focus,button:focus,summary:focus,[tabindex]:focus{outline:3px solid #f1c40f;outline-offset:1px}
@page{size:A4 landscape;margin:10mm}
@media print{
  header nav,form,.no-print{display:none}
  main{padding:0;max-width:none}
  body{font-size:9pt}
  svg{width:277mm;max-height:150mm}
  details.flag-detail{break-inside:avoid}
  details.flag-detail>*{display:block}
  a{color:inherit;text-decoration:none}
}`;

export interface Page {
  html: string;
  /** The Content-Security-Policy header value for this page. */
  csp: string;
}

export function renderPage(opts: {
  title: string;
  heading: string;
  body: string;
  script?: string;
  nav?: string;
}): Page {
  const scriptHash = opts.script
    ? `'sha256-${createHash('sha256').update(opts.script).digest('base64')}'`
    : "'none'";
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src ${scriptHash}`,
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${esc(opts.title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(opts.heading)}</h1><nav>${opts.nav ?? ''}</nav></header>
<main>${opts.body}</main>${opts.script ? `<script>${opts.script}</script>` : ''}</body></html>`;
  return { html, csp };
}

/** Navigation links for signed-in pages, with a sign-out button (POST: a link must not sign out). */
export function signedInNav(links: Array<[string, string]>): string {
  return (
    links.map(([href, text]) => `<a href="${esc(href)}">${esc(text)}</a>`).join('') +
    `<form class="inline" method="post" action="/ui/sign-out"><button type="submit">Sign out</button></form>`
  );
}
