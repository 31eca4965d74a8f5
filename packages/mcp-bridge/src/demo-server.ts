import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/**
 * A small stdio MCP server for demos (`npm run dev`, docker compose): tools `add` and `now`.
 * `node packages/mcp-bridge/dist/demo-server.js`, run by the bridge.
 */
const server = new McpServer({ name: 'llmgw-demo', version: '0.1.0' });
server.registerTool('add', { description: 'Add two numbers.', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
server.registerTool('now', { description: 'The current UTC time, ISO 8601.' }, () => ({ content: [{ type: 'text', text: new Date().toISOString() }] }));
await server.connect(new StdioServerTransport());
