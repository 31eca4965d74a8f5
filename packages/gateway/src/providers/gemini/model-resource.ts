/** A Gemini model's resource name: `models/{model}` for a bare name; a full one (`models/…`, `tunedModels/…`) as it is. */
export function modelResource(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}
