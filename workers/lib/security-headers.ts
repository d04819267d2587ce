// The security headers, defined once for both places that send them: the Worker, on every response it makes (the
// API, /docs, the dashboard shells and 404 page it answers with), and the dashboard's static files, through the
// `_headers` file that dev/site-headers.ts writes into site/dist at build time.

/** Two years, subdomains included; not `preload`, which is a commitment made on hstspreload.org, not here. */
export const HSTS = 'max-age=63072000; includeSubDomains';

/**
 * Headers for every response. HSTS only in production: the local stack is plain http on localhost.
 * Referrer-Policy stays `strict-origin-when-cross-origin` rather than `no-referrer`: under `no-referrer` a browser
 * sends `Origin: null` on same-origin POSTs, which the cross-origin check in the authenticate middleware refuses.
 */
export function baseSecurityHeaders(options: { production: boolean }): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    // frame-ancestors in the CSP does this for current browsers; X-Frame-Options for the rest.
    'X-Frame-Options': 'DENY',
    ...(options.production ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

/** The CSP of anything that is not a page (JSON, YAML): it loads nothing and nobody frames it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export interface InlineHashes {
  /** CSP sources of the page's inline scripts and style elements, e.g. `'sha256-…'`. */
  scripts: string[];
  styles: string[];
}

/**
 * The CSP of a dashboard page. Scripts: files from this origin and the page's own inline scripts by hash (Astro's
 * hydration scripts, the layouts' small scripts), never 'unsafe-inline'. Styles: the inline style elements by hash.
 * No style attributes are allowed; React's `style` props do not need them, since React writes them through the
 * CSSOM (element.style), which CSP does not govern. connect-src 'self' covers the realtime socket: CSP 3 lets
 * 'self' match ws: and wss: on the page's own host. Forms never submit natively (form-action 'none').
 */
export function pageCsp(hashes: InlineHashes): string {
  return [
    "default-src 'none'",
    ['script-src', "'self'", ...hashes.scripts].join(' '),
    ['style-src', "'self'", ...hashes.styles].join(' '),
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A CSP hash source for an inline element's text, as the browser hashes it (UTF-8, SHA-256, base64). */
export async function cspHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}
