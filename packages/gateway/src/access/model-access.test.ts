import type { ApiKey, Model, ResolvedModel } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { modelAccess } from './model-access.js';

const key = (models: string[], providers: string[] = []) => ({ models, providers }) as unknown as ApiKey;
const model = (name: string, providers = ['pa']) => ({ name, targets: providers.map((provider) => ({ provider, model: name, weight: 1, priority: 0 })) }) as unknown as Model;
const via = (m: Model, ...aliases: string[]): ResolvedModel => ({ model: m, via: aliases });

describe('modelAccess', () => {
  const slow = model('m-slow');

  it('a glob grants the serving model, never an alias because of its name', () => {
    expect(modelAccess(key(['m-ok*']), via(slow, 'm-ok-alias'))).toBe('model not allowed');
    expect(modelAccess(key(['m-*']), via(slow, 'm-ok-alias'))).toBe('ok');
    expect(modelAccess(key(['m-ok-alias*']), via(slow, 'm-ok-alias'))).toBe('model not allowed');
  });

  it('an exact alias name grants through that alias, anywhere in the chain', () => {
    expect(modelAccess(key(['m-ok-alias']), via(slow, 'm-ok-alias'))).toBe('ok');
    expect(modelAccess(key(['m-ok-alias']), via(slow, 'a2', 'm-ok-alias'))).toBe('ok');
    expect(modelAccess(key(['m-ok-alias']), via(slow))).toBe('model not allowed');
    expect(modelAccess(key(['a2']), via(slow, 'm-ok-alias'))).toBe('model not allowed');
  });

  it('the serving model by name grants every alias of it', () => {
    expect(modelAccess(key(['m-slow']), via(slow, 'a2', 'm-ok-alias'))).toBe('ok');
  });

  it('needs a target on an allowed provider', () => {
    expect(modelAccess(key(['*'], ['pb']), via(slow))).toBe('no allowed provider');
    expect(modelAccess(key(['*'], ['pb']), via(model('g', ['pa', 'pb'])))).toBe('ok');
    expect(modelAccess(key([]), via(slow))).toBe('model not allowed');
  });
});
