import { ApiError } from '../api-error.js';
import { AliasBody, BindBody, ModelEditBody, UnbindQuery } from '../api-schemas.js';
import { route, type Route } from '../route.js';
import { toChange } from './views.js';

const tag = 'models';

export const modelRoutes: Route[] = [
  route({ method: 'GET', path: '/api/v1/models', role: 'viewer', tag, summary: 'List public models and aliases with their targets and prices', handler: async (ctx) => ({ items: await ctx.registry.listModels() }) }),
  route({
    method: 'GET', path: '/api/v1/models/{name}', role: 'viewer', tag, summary: 'One model or alias',
    handler: async (ctx) => {
      const m = await ctx.registry.getModel(ctx.params.name!);
      if (!m) throw new ApiError(404, `model "${ctx.params.name}" does not exist`);
      return m;
    },
  }),
  route({
    method: 'PATCH', path: '/api/v1/models/{name}', role: 'editor', tag, body: ModelEditBody,
    summary: 'Change routing policy, prices (USD per million tokens), reserve and timeouts (null removes a setting)',
    handler: async (ctx) => {
      if (Object.keys(ctx.body).length === 0) throw new ApiError(400, 'nothing to change');
      return ctx.registry.updateModel(ctx.params.name!, () => toChange(ctx.body));
    },
  }),
  route({
    method: 'POST', path: '/api/v1/models/{name}/targets', role: 'editor', tag, body: BindBody,
    summary: 'Bind the model to a provider (creates the model; re-binding a pair updates weight and priority)',
    handler: async (ctx) => {
      if (!(await ctx.registry.getProvider(ctx.body.provider))) throw new ApiError(400, `provider: unknown provider "${ctx.body.provider}"`, 'provider');
      return ctx.registry.bindModel(ctx.params.name!, ctx.body);
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/models/{name}/targets/{provider}', role: 'editor', tag, query: UnbindQuery,
    summary: 'Unbind a provider (the model is deleted when no target remains)',
    handler: async (ctx) => ({ item: await ctx.registry.unbindModel(ctx.params.name!, ctx.params.provider!, ctx.query.model) }),
  }),
  route({
    method: 'POST', path: '/api/v1/aliases', role: 'editor', tag, body: AliasBody, status: 201,
    summary: 'Create or repoint an alias: a public name resolved to another model',
    handler: async (ctx) => {
      const prev = await ctx.registry.getModel(ctx.body.name);
      if (prev && !prev.alias_of) throw new ApiError(409, `"${ctx.body.name}" is a model with targets, not an alias`);
      if (!(await ctx.registry.getModel(ctx.body.alias_of))) throw new ApiError(400, `alias_of: model "${ctx.body.alias_of}" does not exist`, 'alias_of');
      return ctx.registry.putModel({ name: ctx.body.name, alias_of: ctx.body.alias_of });
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/models/{name}', role: 'editor', tag, summary: 'Delete a model or alias',
    handler: async (ctx) => {
      if (!(await ctx.registry.getModel(ctx.params.name!))) throw new ApiError(404, `model "${ctx.params.name}" does not exist`);
      await ctx.registry.deleteModel(ctx.params.name!);
      return { deleted: ctx.params.name };
    },
  }),
];
