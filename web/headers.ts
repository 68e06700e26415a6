/**
 * The security headers of the pages, one definition for the local server and the CloudFront response headers
 * policy (lib/constructs/web-site.ts). No inline script or style anywhere, so the policy needs no 'unsafe-inline'.
 */
export function contentSecurityPolicy(apiOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${apiOrigins.map((origin) => ` ${origin}`).join('')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The other headers CloudFront adds too (HSTS only over HTTPS, so not locally). */
export const LOCAL_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;
