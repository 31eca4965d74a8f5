import { startBridge } from './bridge.js';
import { loadBridgeConfig } from './config.js';

/**
 * `node packages/mcp-bridge/dist/main.js` with MCP_BRIDGE_CONFIG=servers.json (or
 * MCP_BRIDGE_SERVERS='{"mcpServers":{…}}'), MCP_BRIDGE_PORT (8790), MCP_BRIDGE_HOST (127.0.0.1),
 * MCP_BRIDGE_TOKEN, MCP_BRIDGE_IDLE_MS. Prints one line per server served; runs until SIGTERM/SIGINT.
 */
let cfg;
try {
  cfg = loadBridgeConfig(process.env);
} catch (e) {
  process.stderr.write(`mcp-bridge: ${(e as Error).message}\n`);
  process.exit(1);
}
const bridge = await startBridge(cfg);
for (const name of Object.keys(cfg.servers)) process.stdout.write(`mcp-bridge: ${name} at http://${cfg.MCP_BRIDGE_HOST}:${bridge.port}/${name}/mcp\n`);
const stop = () => void bridge.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
