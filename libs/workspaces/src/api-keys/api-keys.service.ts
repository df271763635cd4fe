import { AppConfig } from '@app/common';
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

/** Bounds the verified-key cache; past it the cache starts over (keys are few, prefixes unique). */
const MAX_CACHED_KEYS = 10_000;

interface VerifiedKey {
  id: string;
  workspaceId: string;
  scope: ApiKeyScope;
  secretHash: ApiKeyEntity['secretHash'];
  until: number;
}

@Injectable()
export class ApiKeysService {
  private readonly lastTouched = new Map<string, number>();
  /**
   * Active keys by prefix, read at most every `API_KEY_CACHE_MS`: the look-up was as much CPU as
   * storing an event on the one-event path. The secret is still compared on every request, and
   * only keys that exist are cached (an unknown prefix always goes to the database).
   */
  private readonly verified = new Map<string, VerifiedKey>();

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly config: AppConfig,
  ) {}

  async create(workspaceId: string, scope: ApiKeyScope, name: string): Promise<{ key: string; view: ApiKeyView }> {
    const { key, prefix, hash } = generateApiKey();
    const entity = await this.repository.insert(workspaceId, { name, prefix, secretHash: hash, scope });
    return { key, view: toApiKeyView(entity) };
  }

  async list(workspaceId: string): Promise<ApiKeyView[]> {
    return (await this.repository.list(workspaceId)).map(toApiKeyView);
  }

  async revoke(workspaceId: string, id: string): Promise<void> {
    for (const [prefix, key] of this.verified) if (key.id === id) this.verified.delete(prefix);
    if (await this.repository.revoke(workspaceId, id, new Date())) return;
    if (!(await this.repository.exists(workspaceId, id))) {
      throw WorkspacesException.notFound(WorkspacesErrorCode.ApiKeyNotFound, `API key ${id} not found`);
    }
  }

  /** Resolves a presented key to its workspace and scope; throws 401 for anything else. */
  async authenticate(presented: string): Promise<AuthContext> {
    const prefix = apiKeyPrefix(presented);
    const now = Date.now();
    const entity = prefix === null ? null : await this.activeKey(prefix, now);
    if (entity === null || !apiKeyMatches(presented, entity.secretHash)) throw WorkspacesException.invalidKey();
    if (now - (this.lastTouched.get(entity.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.lastTouched.set(entity.id, now);
      await this.repository.touch(entity.workspaceId, entity.id, new Date(now));
    }
    return { workspaceId: entity.workspaceId, apiKeyId: entity.id, scope: entity.scope };
  }

  private async activeKey(prefix: string, now: number): Promise<VerifiedKey | null> {
    const cached = this.verified.get(prefix);
    if (cached !== undefined && cached.until > now) return cached;
    const entity = await this.repository.findActiveByPrefix(prefix);
    if (entity === null) {
      this.verified.delete(prefix);
      return null;
    }
    const key: VerifiedKey = {
      id: entity.id,
      workspaceId: entity.workspaceId,
      scope: entity.scope,
      secretHash: entity.secretHash,
      until: now + this.config.api.apiKeyCacheMs,
    };
    if (this.config.api.apiKeyCacheMs > 0) {
      if (this.verified.size >= MAX_CACHED_KEYS) this.verified.clear();
      this.verified.set(prefix, key);
    }
    return key;
  }
}
