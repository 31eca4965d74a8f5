/**
 * The checks Gemini makes on a `GenerateContentRequest` that a converter from another API gets
 * wrong most often, with Gemini's own messages: unknown fields (an OpenAI `messages` sent as is),
 * roles other than `user`/`model`, empty parts, and function call/response turns out of order.
 */

// Proto JSON accepts both spellings of every field.
const FIELDS = new Set(
  ['model', 'contents', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings', 'generationConfig', 'cachedContent'].flatMap((f) => [f, f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);

const PART_DATA = ['text', 'inlineData', 'functionCall', 'functionResponse', 'fileData', 'executableCode', 'codeExecutionResult'].flatMap((f) => [
  f,
  f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
]);

interface Content {
  role?: unknown;
  parts?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const countParts = (c: Content, kind: 'functionCall' | 'functionResponse') =>
  (c.parts as Record<string, unknown>[]).filter((p) => p[kind] !== undefined || p[kind === 'functionCall' ? 'function_call' : 'function_response'] !== undefined).length;

/** Gemini's 400 message for a request it would refuse, or undefined. */
export function invalidGenerateRequest(body: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(body)) if (!FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified\n';
  for (const [i, c] of contents.entries()) {
    if (!isObject(c)) return `Invalid value at 'contents[${i}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)`;
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model') return 'Please use a valid role: user, model.';
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`;
    for (const [j, p] of c.parts.entries()) {
      if (!isObject(p) || !PART_DATA.some((k) => p[k] !== undefined)) {
        return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field\n`;
      }
    }
  }
  return invalidTurns(contents as Content[]) ?? invalidConfig(body);
}

function invalidTurns(contents: Content[]): string | undefined {
  for (let i = 0; i < contents.length; i++) {
    const calls = countParts(contents[i]!, 'functionCall');
    const responses = countParts(contents[i]!, 'functionResponse');
    const prev = contents[i - 1];
    if (calls > 0 && prev !== undefined && prev.role === 'model') {
      return 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
    }
    if (responses > 0) {
      const prevCalls = prev === undefined ? 0 : countParts(prev, 'functionCall');
      if (prevCalls === 0) return 'Please ensure that function response turn comes immediately after a function call turn.';
      if (prevCalls !== responses) return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    }
  }
  return undefined;
}

function invalidConfig(body: Record<string, unknown>): string | undefined {
  const config = body.generationConfig ?? body.generation_config;
  if (config !== undefined && !isObject(config)) return "Invalid value at 'generation_config' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig)";
  const n = config?.candidateCount ?? config?.candidate_count;
  if (n !== undefined && (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 8)) return '* GenerateContentRequest.generation_config.candidate_count: must be between 1 and 8.\n';
  const tools = body.tools;
  if (tools !== undefined && !Array.isArray(tools)) return "Invalid value at 'tools' (type.googleapis.com/google.ai.generativelanguage.v1beta.Tool)";
  for (const [i, t] of (tools ?? []).entries()) {
    const decls = isObject(t) ? (t.functionDeclarations ?? t.function_declarations) : undefined;
    if (!Array.isArray(decls)) continue;
    for (const [j, d] of decls.entries()) {
      if (!isObject(d) || typeof d.name !== 'string' || d.name === '') return `* GenerateContentRequest.tools[${i}].function_declarations[${j}].name: Name cannot be empty.\n`;
    }
  }
  return undefined;
}

/** `generationConfig.candidateCount`, 1 when absent. */
export function candidateCountOf(body: Record<string, unknown>): number {
  const config = (body.generationConfig ?? body.generation_config) as { candidateCount?: unknown; candidate_count?: unknown } | undefined;
  const n = config?.candidateCount ?? config?.candidate_count ?? 1;
  return typeof n === 'number' ? n : 1;
}
