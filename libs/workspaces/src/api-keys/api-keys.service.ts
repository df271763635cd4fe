import { Injectable } from '@nestjs/common';
import { ApiKeyEntity, ApiKeyScope } from '../entities/api-key.entity';
import { WorkspacesErrorCode, WorkspacesException } from '../workspaces.exception';
import { ApiKeysRepository } from './api-keys.repository';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key.secret';

export interface AuthContext {
  workspaceId: string;
  apiKeyId: string;
  scope: ApiKeyScope;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const RANK: Record<ApiKeyScope, number> = { read: 0, write: 1, admin: 2 };

/** `admin` may do what `write` may, and `write` what `read` may. */
export function scopeAllows(actual: ApiKeyScope, required: ApiKeyScope): boolean {
  return RANK[actual] >= RANK[required];
}

export const toApiKeyView = (k: ApiKeyEntity): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scope: k.scope,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** Only refresh `last_used_at` once a minute per key: it is informative, not a hot write. */
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly repository: ApiKeysRepository) {}

  async create(workspaceId: string, scope: ApiKeyScope, name: string): Promise<{ key: string; view: ApiKeyView }> {
    const { key, prefix, hash } = generateApiKey();
    const entity = await this.repository.insert(workspaceId, { name, prefix, secretHash: hash, scope });
    return { key, view: toApiKeyView(entity) };
  }

  async list(workspaceId: string): Promise<ApiKeyView[]> {
    return (await this.repository.list(workspaceId)).map(toApiKeyView);
  }

  async revoke(workspaceId: string, id: string): Promise<void> {
    if (await this.repository.revoke(workspaceId, id, new Date())) return;
    if (!(await this.repository.exists(workspaceId, id))) {
      throw WorkspacesException.notFound(WorkspacesErrorCode.ApiKeyNotFound, `API key ${id} not found`);
    }
  }

  /** Resolves a presented key to its workspace and scope; throws 401 for anything else. */
  async authenticate(presented: string): Promise<AuthContext> {
    const prefix = apiKeyPrefix(presented);
    const entity = prefix === null ? null : await this.repository.findActiveByPrefix(prefix);
    if (entity === null || !apiKeyMatches(presented, entity.secretHash)) throw WorkspacesException.invalidKey();
    const now = Date.now();
    if (now - (this.lastTouched.get(entity.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.lastTouched.set(entity.id, now);
      await this.repository.touch(entity.workspaceId, entity.id, new Date(now));
    }
    return { workspaceId: entity.workspaceId, apiKeyId: entity.id, scope: entity.scope };
  }
}
