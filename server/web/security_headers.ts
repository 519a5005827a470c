/**
 * The headers every web response carries: the page may load only its own resources, the browser
 * must not guess types, and no address leaks to other sites.
 * @module
 */

/** Sent with every response of the web listener. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** A response with the security headers and `headers` added. */
export function secureResponse(
  body: BodyInit | null,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}
