/** Where each API carries its key. */

type Headers = Readonly<Record<string, string>>;

function bearer(headers: Headers): string | undefined {
  const auth = headers['authorization'];
  return auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
}

/** OpenAI `Authorization: Bearer`, Anthropic `x-api-key` (either is accepted on both). */
export function openaiOrAnthropicKeys(headers: Headers): string[] {
  return present(bearer(headers), headers['x-api-key']);
}

/** Azure: `api-key`, or `Authorization: Bearer` (an Entra ID token). */
export function azureKeys(headers: Headers): string[] {
  return present(headers['api-key'], bearer(headers));
}

/** Gemini: `x-goog-api-key`, or `?key=` in the query. */
export function geminiKeys(headers: Headers, query: string): string[] {
  return present(headers['x-goog-api-key'], query.includes('key=') ? new URLSearchParams(query).get('key') ?? undefined : undefined);
}

/** The key in `header` after exactly `prefix`; none when the header is absent or does not start with it. */
export function keysIn(headers: Headers, form: { header: string; prefix?: string }): string[] {
  const v = headers[form.header.toLowerCase()];
  const prefix = form.prefix ?? '';
  return v !== undefined && v.startsWith(prefix) ? present(v.slice(prefix.length)) : [];
}

function present(...keys: (string | undefined)[]): string[] {
  return keys.filter((k): k is string => k !== undefined && k !== '');
}
