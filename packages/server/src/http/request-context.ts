/**
 * What the app attaches to every fastify request and route, declared once for TypeScript:
 * the verified `identity` (from the TLS layer, null without a certificate), the resolved
 * `caller`, and the per-route `anonymous` flag that lets callers without a registered
 * certificate reach a route (only `/healthz` and, later, public image downloads).
 */
import type { Caller, Identity } from '../services/caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
    caller: Caller;
  }
  interface FastifyContextConfig {
    /** The route serves anonymous callers too (set from its descriptor, `route-schemas.ts`); services still decide what they may see. */
    anonymous?: boolean;
  }
}

export {};
