export { run, type RunIO } from './run.js';
export { buildProgram, type ProgramDeps } from './program.js';
export { UserError, EXIT } from './errors.js';
export type { Context, Handler, Runner, CommandFactory } from './context.js';
export { createOutput, memoryOutput, type Output } from './output.js';
export { createPrompt, type Prompt, type Asker } from './prompt.js';
export { connectRedis, redisTargetFrom, type GlobalOptions } from './connect.js';
