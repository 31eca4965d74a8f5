import { createAdminToken, deleteAdminToken, listAdminTokens, readAudit } from '@llmgw/core';
import { ApiError } from '../api-error.js';
import { AuditQuery, SignInBody, TokenCreateBody } from '../api-schemas.js';
import { route, type Route } from '../route.js';
import { createSession, endSession, sessionCookie } from '../sessions.js';

/** The audit actor of a console caller. */
export const actorOf = (name: string) => `token:${name}`;

export const adminRoutes: Route[] = [
  route({
    method: 'POST', path: '/api/v1/session', role: null, tag: 'session', body: SignInBody,
    summary: 'Sign in with an admin token: sets an HttpOnly, SameSite=Strict session cookie; returns the CSRF token for writes',
    handler: async (ctx) => {
      const s = await createSession(ctx.redis, ctx.body.token, ctx.session.ttlSeconds);
      if (!s) throw new ApiError(401, 'unknown admin token');
      ctx.headers['set-cookie'] = sessionCookie(s.cookie, ctx.session.ttlSeconds, ctx.session.secure);
      return { name: s.who.name, role: s.who.role, csrf: s.who.csrf };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/session', role: 'viewer', tag: 'session', summary: 'Who is signed in (and the CSRF token of a session)',
    handler: async (ctx) => ({ name: ctx.who!.name, role: ctx.who!.role, csrf: ctx.who!.csrf ?? null }),
  }),
  route({
    method: 'DELETE', path: '/api/v1/session', role: 'viewer', tag: 'session', summary: 'Sign out: ends the session and clears its cookie',
    handler: async (ctx) => {
      if (ctx.who!.sessionHash) await endSession(ctx.redis, ctx.who!.sessionHash);
      ctx.headers['set-cookie'] = sessionCookie('', 0, ctx.session.secure);
      return { signed_out: true };
    },
  }),
  route({
    method: 'GET', path: '/api/v1/audit', role: 'viewer', tag: 'audit', query: AuditQuery, summary: 'Who changed what, newest first (secrets masked)',
    handler: async (ctx) => ({ items: await readAudit(ctx.redis, ctx.query) }),
  }),
  route({
    method: 'GET', path: '/api/v1/tokens', role: 'admin', tag: 'tokens', summary: 'List admin tokens (never the tokens)',
    handler: async (ctx) => ({ items: (await listAdminTokens(ctx.redis)).map(({ hash: _h, ...t }) => t) }),
  }),
  route({
    method: 'POST', path: '/api/v1/tokens', role: 'admin', tag: 'tokens', status: 201, body: TokenCreateBody, summary: 'Create an admin token; the response holds it, shown this once',
    handler: async (ctx) => {
      const { token, raw } = await createAdminToken(ctx.redis, ctx.body.name, ctx.body.role, actorOf(ctx.who!.name));
      const { hash: _h, ...item } = token;
      return { token: raw, item };
    },
  }),
  route({
    method: 'DELETE', path: '/api/v1/tokens/{name}', role: 'admin', tag: 'tokens', summary: 'Delete an admin token (its sessions end at once)',
    handler: async (ctx) => {
      await deleteAdminToken(ctx.redis, ctx.params.name!, actorOf(ctx.who!.name));
      return { deleted: ctx.params.name };
    },
  }),
];
