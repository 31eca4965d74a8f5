import { compileGrant, grantReaches, type ApiKey } from '@llmgw/core';

/** A key's MCP grants, compiled once per key record (default deny: an empty list grants nothing). */
export interface Grants {
  tool(exposed: string): boolean;
  prompt(exposed: string): boolean;
  /** `subject` is `{server}__{uri}` (see grantSubject). */
  resource(subject: string): boolean;
  /** Might the key use anything of this server of this kind? (Servers it cannot are never asked.) */
  reaches(kind: 'tools' | 'resources' | 'prompts', server: string): boolean;
}

const compiled = new WeakMap<ApiKey, Grants>();

export function grantsOf(key: ApiKey): Grants {
  let g = compiled.get(key);
  if (!g) {
    const tool = compileGrant(key.mcp_tools);
    const prompt = compileGrant(key.mcp_prompts);
    const resource = compileGrant(key.mcp_resources);
    const lists = { tools: key.mcp_tools, resources: key.mcp_resources, prompts: key.mcp_prompts };
    g = { tool, prompt, resource, reaches: (kind, server) => grantReaches(lists[kind], server) };
    compiled.set(key, g);
  }
  return g;
}
