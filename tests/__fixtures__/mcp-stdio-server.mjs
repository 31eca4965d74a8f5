// A stdio MCP server (the official SDK's McpServer) for the mcp-bridge tests: tools `add` and `whoami`.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'stdio-fixture', version: '1.0.0' });
server.registerTool('add', { description: 'add two numbers', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
server.registerTool('whoami', { description: 'the process id and FIXTURE_TAG' }, () => ({ content: [{ type: 'text', text: `${process.pid} ${process.env.FIXTURE_TAG ?? ''}` }] }));
await server.connect(new StdioServerTransport());
