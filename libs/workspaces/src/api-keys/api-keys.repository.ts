import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, ApiKeyScope } from '../entities/api-key.entity';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async insert(
    workspaceId: string,
    key: { name: string; prefix: string; secretHash: Buffer; scope: ApiKeyScope },
  ): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create({ workspaceId, ...key }));
  }

  list(workspaceId: string): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { workspaceId }, order: { createdAt: 'DESC' } });
  }

  /** Authentication looks a key up by its public prefix, before any workspace is known. */
  findActiveByPrefix(prefix: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { prefix, revokedAt: IsNull() } });
  }

  async revoke(workspaceId: string, id: string, at: Date): Promise<boolean> {
    const result = await this.keys.update({ workspaceId, id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  async exists(workspaceId: string, id: string): Promise<boolean> {
    return this.keys.exists({ where: { workspaceId, id } });
  }

  async touch(workspaceId: string, id: string, at: Date): Promise<void> {
    await this.keys.update({ workspaceId, id }, { lastUsedAt: at });
  }
}
