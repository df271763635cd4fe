import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyScope } from '../entities/api-key.entity';
import { ApiKeysService, scopeAllows } from '../api-keys/api-keys.service';
import { WorkspacesException } from '../workspaces.exception';
import { AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_SCOPE } from './auth.decorators';

interface RequestLike extends AuthenticatedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Global guard: every route needs `Authorization: Bearer <key>` unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<RequestLike>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match === null) throw WorkspacesException.missingKey();
    const auth = await this.apiKeys.authenticate(match[1]);
    const required =
      this.reflector.getAllAndOverride<ApiKeyScope>(REQUIRED_SCOPE, targets) ??
      (['GET', 'HEAD'].includes(request.method) ? ApiKeyScope.Read : ApiKeyScope.Write);
    if (!scopeAllows(auth.scope, required)) throw WorkspacesException.insufficientScope(required, auth.scope);
    request.auth = auth;
    return true;
  }
}
