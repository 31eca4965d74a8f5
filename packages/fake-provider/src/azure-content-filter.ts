/**
 * Azure OpenAI's content-filter annotations: every prompt and every choice is rated in four harm
 * categories (`severity`: safe, low, medium, high), the prompt also by the jailbreak shield.
 */

const SAFE = { filtered: false, severity: 'safe' };

/** A choice's `content_filter_results` when nothing was filtered. */
export const SAFE_CHOICE_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

/** A choice's `content_filter_results` when the completion was cut (`finish_reason: "content_filter"`). */
export const FILTERED_CHOICE_RESULTS = { ...SAFE_CHOICE_RESULTS, violence: { filtered: true, severity: 'medium' } };

/** The prompt's results when it passes. */
const SAFE_PROMPT_RESULTS = { hate: SAFE, jailbreak: { filtered: false, detected: false }, self_harm: SAFE, sexual: SAFE, violence: SAFE };

/** The prompt's results when the jailbreak shield refuses it (`Behaviour.blockPrompt`). */
export const FILTERED_PROMPT_RESULTS = { ...SAFE_PROMPT_RESULTS, jailbreak: { filtered: true, detected: true } };

/** `"prompt_filter_results":[…]` for a request that passed, ready to splice into a body or a chunk. */
export const PROMPT_FILTER_RESULTS_FIELD = `"prompt_filter_results":${JSON.stringify([{ prompt_index: 0, content_filter_results: SAFE_PROMPT_RESULTS }])}`;

/** The first event of an Azure stream: no choices, only the prompt's ratings. */
export const PROMPT_FILTER_CHUNK = `{"choices":[],"created":0,"id":"","model":"","object":"",${PROMPT_FILTER_RESULTS_FIELD}}`;
