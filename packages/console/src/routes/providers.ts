import { normalizeBaseUrl, readProviderStatus, type Provider } from '@llmgw/core';
import { ApiError } from '../api-error.js';
import { ProviderCreateBody, ProviderEditBody } from '../api-schemas.js';
import { route, type Route } from '../route.js';
import { providerView, toChange } from './views.js';

const tag = 'providers';

/** Core's base-URL rule (a bare host of a well-known API gets its path), as gwctl applies it; the message comes back as a warning. */
function checkedBaseUrl(url: string, type: Provider['type'] | undefined, warnings: string[]): string {
  const check = normalizeBaseUrl(url, type ?? 'openai');
  if (check.kind !== 'ok') warnings.push(check.message);
  return check.url;
}

export const providerRoutes: Route[] = [
  route({ method: 'GET', path: '/api/v1/providers', role: 'viewer', tag, summary: 'List providers (secrets masked)', handler: async (ctx) => ({ items: (await ctx.registry.listProviders()).map(providerView) }) }),
  route({
    method: 'GET', path: '/api/v1/providers/health', role: 'viewer', tag,
    summary: 'Health the gateways share: cooldowns, failures and last errors per provider, secret and upstream model',
    handler: async (ctx) => ({ items: await readProviderStatus(ctx.redis, await ctx.registry.listProviders(), ctx.now().getTime()) }),
  }),
  route({
    method: 'POST', path: '/api/v1/providers', role: 'editor', tag, status: 201, body: ProviderCreateBody, summary: 'Add a provider',
    handler: async (ctx) => {
      const warnings: string[] = [];
      const base_url = checkedBaseUrl(ctx.body.base_url, ctx.body.type, warnings);
      const p = await ctx.registry.addProvider({ ...toChange(ctx.body), name: ctx.body.name, base_url });
      return { item: providerView(p), warnings };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/providers/{name}', role: 'viewer', tag, summary: 'One provider (secrets masked)',
    handler: async (ctx) => {
      const p = await ctx.registry.getProvider(ctx.params.name!);
      if (!p) throw new ApiError(404, `provider "${ctx.params.name}" does not exist`);
      return providerView(p);
    },
  }),
  route({
    method: 'PATCH', path: '/api/v1/providers/{name}', role: 'editor', tag, body: ProviderEditBody, summary: 'Change a provider (null removes a setting)',
    handler: async (ctx) => {
      if (Object.keys(ctx.body).length === 0) throw new ApiError(400, 'nothing to change');
      const warnings: string[] = [];
      const change = toChange(ctx.body);
      const p = await ctx.registry.updateProvider(ctx.params.name!, (prev) => ({
        ...change,
        ...(change.base_url ? { base_url: checkedBaseUrl(change.base_url, change.type ?? prev.type, warnings) } : {}),
      }));
      return { item: providerView(p), warnings };
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/providers/{name}', role: 'editor', tag, summary: 'Delete a provider (refused while models are bound to it)',
    handler: async (ctx) => {
      const name = ctx.params.name!;
      if (!(await ctx.registry.getProvider(name))) throw new ApiError(404, `provider "${name}" does not exist`);
      const bound = await ctx.registry.modelsBoundTo(name);
      if (bound.length) throw new ApiError(409, `models are bound to provider "${name}": ${bound.map((m) => m.name).join(', ')}; unbind them first`);
      await ctx.registry.deleteProvider(name);
      return { deleted: name };
    },
  }),
];
