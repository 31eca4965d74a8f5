import { randomBytes } from 'node:crypto';

/**
 * The `id` of a Messages answer converted from another API: Anthropic's clients expect
 * `msg_…`. The upstream's id keeps its identity (`chatcmpl-abc` → `msg_abc`, so the two can be
 * matched in logs); without one, a random `msg_gw…`.
 */
export function anthropicMessageId(upstreamId: unknown): string {
  if (typeof upstreamId === 'string' && upstreamId !== '') {
    if (upstreamId.startsWith('msg_')) return upstreamId;
    const rest = upstreamId.replace(/^chatcmpl-/, '').replace(/[^A-Za-z0-9_-]/g, '');
    if (rest !== '') return `msg_${rest}`;
  }
  return `msg_gw${randomBytes(12).toString('hex')}`;
}
