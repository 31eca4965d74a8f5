import { GatewayError } from '../../errors/catalog.js';
import { errorBody } from '../../errors/render.js';

function parse(text: string): Record<string, unknown> | null {
  try {
    const j = JSON.parse(text) as unknown;
    return j && typeof j === 'object' && !Array.isArray(j) ? (j as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * An Azure OpenAI error body as OpenAI's. Azure's is OpenAI-like with extras: `innererror`
 * (`ResponsibleAIPolicyViolation` and the `content_filter_result` per category) on a prompt
 * its content filter refused, and `code`s of its own (`DeploymentNotFound`, `429`, …). A
 * content-filter refusal becomes OpenAI's `400 content_filter` (`param: "prompt"`), naming the
 * categories that fired; anything else keeps its message and code, in OpenAI's shape.
 */
export function mapAzureError(status: number, text: string): string {
  const j = parse(text);
  const e = j && typeof j.error === 'object' && j.error !== null ? (j.error as Record<string, unknown>) : null;
  const message = str(e?.message) ?? (text.trim().slice(0, 500) || `The upstream provider answered ${status}.`);
  const inner = e && typeof e.innererror === 'object' && e.innererror !== null ? (e.innererror as Record<string, unknown>) : null;
  const filtered = e?.code === 'content_filter' || inner?.code === 'ResponsibleAIPolicyViolation';
  if (filtered) {
    const result = inner && typeof inner.content_filter_result === 'object' && inner.content_filter_result !== null ? (inner.content_filter_result as Record<string, { filtered?: boolean }>) : {};
    const fired = Object.entries(result).filter(([, v]) => v && v.filtered).map(([k]) => k);
    const why = fired.length ? ` (content filter: ${fired.join(', ')})` : ' (content filter)';
    return errorBody(new GatewayError(status, 'invalid_request_error', 'content_filter', `${message}${why}`, str(e?.param) ?? 'prompt'));
  }
  const type = str(e?.type) ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return errorBody(new GatewayError(status, type, str(e?.code) ?? (status === 404 ? 'DeploymentNotFound' : null), message, str(e?.param)));
}
