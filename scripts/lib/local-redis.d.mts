// Types of local-redis.mjs, for the TypeScript tests that share it with the dev and bench scripts.
import type { ChildProcess } from 'node:child_process';

export declare const REDIS_INSTALL_HINT: string;
export declare function hasRedisServer(): boolean;
export declare function freePort(): Promise<number>;
export declare function pingRedis(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export declare function pingRedisTls(host: string, port: number, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer }, timeoutMs?: number): Promise<boolean>;
export interface LocalRedisServer {
  url: string;
  port: number;
  stop: () => Promise<void>;
  process: ChildProcess;
}
export declare function startRedis(opts?: {
  port?: number;
  args?: string[];
  tls?: { certFile: string; keyFile: string; caFile: string; authClients?: 'no' | 'yes' | 'optional' };
}): Promise<LocalRedisServer>;
