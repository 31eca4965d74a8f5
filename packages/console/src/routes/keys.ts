import { ApiError } from '../api-error.js';
import { KeyCreateBody, KeyEditBody } from '../api-schemas.js';
import { route, type Route, type RouteContext } from '../route.js';
import { keyView, mustFindKey, toChange } from './views.js';

const tag = 'keys';

async function checkProviders(ctx: RouteContext<unknown, unknown>, providers: string[] | undefined): Promise<void> {
  const unknown = await ctx.registry.unknownProviders(providers);
  if (unknown.length) throw new ApiError(400, `providers: unknown provider(s) ${unknown.join(', ')}`, 'providers');
}

async function setStatus(ctx: RouteContext<unknown, unknown>, status: 'active' | 'disabled') {
  const k = await mustFindKey(ctx.registry, ctx.params.ref!);
  return keyView(k.status === status ? k : await ctx.registry.updateKey(k.hash, () => ({ status })));
}

export const keyRoutes: Route[] = [
  route({ method: 'GET', path: '/api/v1/keys', role: 'viewer', tag, summary: 'List gateway keys (never the raw keys)', handler: async (ctx) => ({ items: (await ctx.registry.listKeys()).map(keyView) }) }),
  route({
    method: 'POST', path: '/api/v1/keys', role: 'editor', tag, status: 201, body: KeyCreateBody,
    summary: 'Create a key; the response holds the raw key, shown this once',
    handler: async (ctx) => {
      await checkProviders(ctx, ctx.body.providers);
      const { key, raw } = await ctx.registry.createKey({ ...toChange(ctx.body), name: ctx.body.name });
      return { key: raw, item: keyView(key) };
    },
  }),
  route({ method: 'GET', path: '/api/v1/keys/{ref}', role: 'viewer', tag, summary: 'One key by name, id or prefix', handler: async (ctx) => keyView(await mustFindKey(ctx.registry, ctx.params.ref!)) }),
  route({
    method: 'PATCH', path: '/api/v1/keys/{ref}', role: 'editor', tag, body: KeyEditBody,
    summary: 'Change limits, budgets, allow-lists, expiry or name (null removes a setting)',
    handler: async (ctx) => {
      if (Object.keys(ctx.body).length === 0) throw new ApiError(400, 'nothing to change');
      const k = await mustFindKey(ctx.registry, ctx.params.ref!);
      await checkProviders(ctx, ctx.body.providers);
      return keyView(await ctx.registry.updateKey(k.hash, () => toChange(ctx.body)));
    },
  }),
  route({ method: 'POST', path: '/api/v1/keys/{ref}/disable', role: 'editor', tag, summary: 'Disable a key (the gateway rejects it at once)', handler: (ctx) => setStatus(ctx, 'disabled') }),
  route({ method: 'POST', path: '/api/v1/keys/{ref}/enable', role: 'editor', tag, summary: 'Enable a key', handler: (ctx) => setStatus(ctx, 'active') }),
  route({
    method: 'POST', path: '/api/v1/keys/{ref}/rotate', role: 'editor', tag,
    summary: 'Issue a new secret (same id and settings); the old one stops working at once. The raw key is shown this once',
    handler: async (ctx) => {
      const k = await mustFindKey(ctx.registry, ctx.params.ref!);
      const { key, raw } = await ctx.registry.rotateKey(k.hash);
      return { key: raw, item: keyView(key) };
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/keys/{ref}', role: 'editor', tag, summary: 'Delete a key',
    handler: async (ctx) => {
      const k = await mustFindKey(ctx.registry, ctx.params.ref!);
      await ctx.registry.deleteKey(k.hash);
      return { deleted: k.name };
    },
  }),
];
