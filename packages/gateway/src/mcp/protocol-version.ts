/**
 * The MCP protocol versions the gateway speaks to its clients (those of the official TypeScript
 * SDK 1.32), newest first. A client asking for one of them gets it; any other gets the newest,
 * and decides itself whether it can go on (the spec's negotiation). Every version is served by
 * the same code: what changed between them (batching, removed in 2025-06-18; the
 * `MCP-Protocol-Version` header, required since then) is read per request.
 */
const MCP_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

export function negotiateVersion(asked: unknown): string {
  return typeof asked === 'string' && (MCP_VERSIONS as readonly string[]).includes(asked) ? asked : MCP_VERSIONS[0];
}

export function isKnownVersion(v: string): boolean {
  return (MCP_VERSIONS as readonly string[]).includes(v);
}
