import { Errors } from '../../errors/catalog.js';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';
import { convertChatMessages, requiresThoughtSignatures } from './convert-chat-messages.js';
import { convertJsonSchemaToGemini } from './convert-json-schema.js';

/** OpenAI `tool_choice` strings → Gemini `functionCallingConfig.mode`. */
const MODE: Record<string, string> = { auto: 'AUTO', required: 'ANY', none: 'NONE' };

/** Sampling parameters with the same meaning on both sides: OpenAI name → Gemini `generationConfig` name. */
const SAME: ReadonlyArray<[string, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['n', 'candidateCount'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
  ['seed', 'seed'],
];

function convertTools(tools: unknown[]): Json[] {
  return tools.map((t) => {
    if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) {
      const type = isObject(t) && typeof t.type === 'string' ? t.type : 'unknown';
      throw Errors.invalidBody(`A tool of type "${type}" cannot be sent to a model served by a Gemini provider: only function tools.`, 'tools');
    }
    const f = t.function;
    const decl: Json = { name: typeof f.name === 'string' ? f.name : '' };
    if (typeof f.description === 'string' && f.description) decl.description = f.description;
    const parameters = convertJsonSchemaToGemini(f.parameters);
    if (parameters) decl.parameters = parameters;
    return decl;
  });
}

/** `tool_choice` → `functionCallingConfig`: a named function (or an allowed_tools list that is required) is `ANY` restricted to those names. */
function convertToolChoice(choice: unknown): Json | null {
  if (typeof choice === 'string') return MODE[choice] ? { mode: MODE[choice] } : null;
  if (!isObject(choice)) return null;
  if (choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string') {
    return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
  }
  if (choice.type === 'allowed_tools' && isObject(choice.allowed_tools)) {
    const a = choice.allowed_tools;
    const names = (Array.isArray(a.tools) ? a.tools : []).flatMap((t) => (isObject(t) && isObject(t.function) && typeof t.function.name === 'string' ? [t.function.name] : []));
    return a.mode === 'required' ? { mode: 'ANY', ...(names.length > 0 ? { allowedFunctionNames: names } : {}) } : { mode: 'AUTO' };
  }
  return null;
}

function generationConfig(body: Json): Json {
  const c: Json = {};
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (typeof max === 'number') c.maxOutputTokens = max;
  for (const [from, to] of SAME) if (typeof body[from] === 'number') c[to] = body[from];
  if (typeof body.stop === 'string') c.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) c.stopSequences = body.stop;
  const rf = body.response_format;
  if (isObject(rf) && (rf.type === 'json_object' || rf.type === 'json_schema')) {
    c.responseMimeType = 'application/json';
    const schema = rf.type === 'json_schema' && isObject(rf.json_schema) ? convertJsonSchemaToGemini(rf.json_schema.schema) : undefined;
    if (schema) c.responseSchema = schema;
  }
  return c;
}

/**
 * An OpenAI Chat Completions request as a Gemini `GenerateContentRequest` for `model` (the
 * model and whether to stream are in the URL, not the body): messages as `contents` and
 * `systemInstruction` (convert-chat-messages.ts), function tools as one `functionDeclarations`
 * tool with their JSON Schema parameters made Gemini's, `tool_choice` as
 * `toolConfig.functionCallingConfig`, and `generationConfig` from `max_completion_tokens` (or
 * `max_tokens`), `temperature`, `top_p`, `n`, `stop`, penalties, `seed` and `response_format`.
 * What Gemini has no field for (`user`, `metadata`, `logprobs`, `logit_bias`,
 * `parallel_tool_calls`, `reasoning_effort`, `stream_options`, …) is left out: Gemini refuses
 * unknown fields.
 */
export function convertChatRequestToGemini(body: Json, model: string): Json {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const { contents, systemInstruction } = convertChatMessages(messages, requiresThoughtSignatures(model));
  const out: Json = { contents };
  if (systemInstruction) out.systemInstruction = systemInstruction;
  const tools = Array.isArray(body.tools) ? convertTools(body.tools) : [];
  if (tools.length > 0) {
    out.tools = [{ functionDeclarations: tools }];
    const mode = convertToolChoice(body.tool_choice);
    if (mode) out.toolConfig = { functionCallingConfig: mode };
  }
  const config = generationConfig(body);
  if (Object.keys(config).length > 0) out.generationConfig = config;
  return out;
}
