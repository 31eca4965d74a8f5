/** `https://api.openai.com/` → `https://api.openai.com` (no trailing slash, no query). */
function trimmed(base: string): string {
  const u = new URL(base);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * Our base URL (OpenAI's convention: what comes before `/chat/completions`) for a gateway that
 * appends the client's whole path (`/v1/chat/completions`) to a bare base: `/v1` is added
 * unless the base already ends with it. Throws on a string that is not a URL.
 */
export function baseUrlForClientPath(base: string): string {
  const b = trimmed(base);
  return /\/v1$/.test(b) ? b : `${b}/v1`;
}

/**
 * Our base URL for a base and the path of a chat completions endpoint under it
 * (`https://generativelanguage.googleapis.com` + `/v1beta/openai/chat/completions`);
 * null when the endpoint does not end with `/chat/completions`.
 */
export function baseUrlForEndpoint(base: string, chatPath: string): string | null {
  const m = /^(.*)\/chat\/completions\/?$/.exec(chatPath);
  if (!m) return null;
  const prefix = m[1]!.replace(/\/+$/, '');
  return `${trimmed(base)}${prefix.startsWith('/') || prefix === '' ? prefix : `/${prefix}`}`;
}
