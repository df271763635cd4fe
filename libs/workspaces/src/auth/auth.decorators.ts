import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiKeyScope } from '../entities/api-key.entity';
import type { AuthContext } from '../api-keys/api-keys.service';

export const PUBLIC_ROUTE = 'lse:public';
export const REQUIRED_SCOPE = 'lse:scope';

/** A route anyone may call (health, LINE webhooks, the reference login page). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The scope a route needs. Without it, reads (GET/HEAD) need `read` and everything else `write`.
 */
export const RequireScope = (scope: ApiKeyScope): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPE, scope);

export interface AuthenticatedRequest {
  auth?: AuthContext;
}

/** The caller's authentication context (workspace, key, scope). */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (auth === undefined) throw new Error('Auth used on a route without authentication');
  return auth;
});

/** The caller's workspace id: every repository call is scoped by it. */
export const WorkspaceId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (auth === undefined) throw new Error('WorkspaceId used on a route without authentication');
  return auth.workspaceId;
});
