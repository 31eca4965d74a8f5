export { startGateway, type RunningGateway, type StartOptions } from './gateway.js';
export { loadConfig, ConfigSchema, type GatewayConfig } from './config.js';
export { loadUws } from './http/uws.js';
