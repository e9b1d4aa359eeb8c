import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ProblemError } from '@opsloop/kit';
import { isPublic, type AccessRule } from './access-rules.js';
import type { TokenResult, TokenVerifier } from './auth/token-verifier.js';
import type { RateLimiter } from './rate-limit/token-bucket.js';
import type { GatewayRequestState } from './request-state.js';
import { traceContextFor } from './trace-context.js';

/** Options of {@link createEdgeHook}. */
export interface EdgeHookOptions {
  publicRoutes: readonly AccessRule[];
  verifier: TokenVerifier;
  limiter: RateLimiter;
  /** Whether the request's path leads anywhere; requests that will 404 skip token checks (not the limit). */
  routed(request: FastifyRequest, path: string): boolean;
  /** `RateLimit-Policy` value, e.g. `100;w=2`, or where to read the one in force (limits set by a flag). */
  ratePolicy: string | (() => string);
}

const DOT_SEGMENT = /\/(\.|%2e){1,2}(\/|$)/i;
const BEARER = /^Bearer +(\S+) *$/i;
const REALM = 'Bearer realm="opsloop-shop"';
const MISSING: TokenResult = { ok: false, failure: 'malformed', detail: 'no bearer token' };

function unauthorized(result: TokenResult & { ok: false }, sent: boolean): ProblemError {
  if (result.failure === 'keys-unavailable') {
    // The token may be fine: the gateway cannot check it right now. Not the client's fault, so not a 401.
    return new ProblemError('upstreamUnavailable', {
      detail: 'tokens cannot be verified right now',
      headers: { 'retry-after': '1' },
    });
  }
  // RFC 6750 §3.1: no error code when the request had no credentials at all.
  const challenge = sent ? `${REALM}, error="invalid_token", error_description="${result.detail}"` : REALM;
  return new ProblemError('unauthorized', {
    detail: sent ? result.detail : 'this route needs a bearer token: sign in at POST /api/users/login',
    headers: { 'www-authenticate': challenge },
  });
}

/**
 * The gateway's edge, one `onRequest` hook for every `/api` request, before any body is read:
 *
 * 1. trace context: the caller's `traceparent` continued, or a new trace;
 * 2. identity: a client's `x-user-id` is never trusted (it is dropped upstream); a valid bearer token sets
 *    the user. Public routes treat a bad token as no token and never wait for keys to be fetched;
 * 3. rate limit: one token bucket per user (signed in) or IP address, `429` when empty, `RateLimit-*` on
 *    every answer; failed sign-ins count against the IP too;
 * 4. protected routes without a valid token: `401` with a `WWW-Authenticate` challenge.
 *
 * The common case (a token verified recently) runs synchronously: no promise, no allocation beyond the
 * request's state.
 */
export function createEdgeHook(options: EdgeHookOptions) {
  const { verifier, limiter } = options;
  const ratePolicy = options.ratePolicy;
  const policyOf = typeof ratePolicy === 'string' ? () => ratePolicy : ratePolicy;

  return function edge(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const url = request.url;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path !== '/api' && !path.startsWith('/api/')) {
      done();
      return;
    }
    // A NUL byte is never part of a valid path (file serving, the docs' assets, would fail on it with a 500).
    // Dot segments are refused too: access rules and routes match the path as sent, and an upstream that
    // normalised `/api/products/../cart` would serve a protected route under a public rule.
    if (path.includes('%00') || ((path.includes('/.') || path.includes('%2')) && DOT_SEGMENT.test(path))) {
      done(
        new ProblemError('validationFailed', { detail: 'the URL is malformed (NUL byte or dot segment)' }),
      );
      return;
    }
    const headers = request.headers;
    const authorization = headers.authorization;
    const state: GatewayRequestState = {
      userId: undefined,
      credentials: authorization !== undefined,
      trace: traceContextFor(headers.traceparent, headers.tracestate),
    };
    request.gateway = state;
    const routed = options.routed(request, path);
    const publicRoute = !routed || isPublic(options.publicRoutes, request.method, path);

    const finish = (result: TokenResult): void => {
      if (result.ok) state.userId = result.userId;
      const decision = limiter.take(result.ok ? `u:${result.userId}` : `ip:${request.ip}`);
      void reply
        .header('ratelimit-limit', decision.limit)
        .header('ratelimit-remaining', decision.remaining)
        .header('ratelimit-reset', decision.resetSeconds)
        .header('ratelimit-policy', policyOf());
      if (!decision.allowed) {
        done(
          new ProblemError('rateLimited', {
            detail: `too many requests: retry in ${decision.retryAfterSeconds} s`,
            headers: { 'retry-after': String(decision.retryAfterSeconds) },
          }),
        );
        return;
      }
      if (!result.ok && !publicRoute) {
        done(unauthorized(result, authorization !== undefined));
        return;
      }
      done();
    };

    if (authorization === undefined || !routed) {
      finish(MISSING);
      return;
    }
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) {
      finish({ ok: false, failure: 'malformed', detail: 'expected Authorization: Bearer <token>' });
      return;
    }
    const cached = verifier.cached(token);
    if (cached !== undefined) {
      finish(cached);
      return;
    }
    verifier.verify(token, !publicRoute).then(finish, (error: unknown) => done(error as Error));
  };
}
