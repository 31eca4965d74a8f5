export { startFakeProvider, DEFAULT_MODELS } from './server.js';
export { DEFAULT_BEHAVIOUR } from './behaviour.js';
export { DEFAULT_AZURE_DEPLOYMENTS } from './azure-openai.js';
export { DEFAULT_GEMINI_MODELS } from './gemini-models.js';
export { fakeVector } from './embeddings.js';
export { parseSse } from './sse.js';
export type { Behaviour, FakeProvider, FakeProviderOptions, FinishReason, RecordedRequest, ToolCallBehaviour } from './types.js';
export { FAKE_THINKING_SIGNATURE } from './anthropic-extras.js';
