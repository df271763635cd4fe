import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { LinkNonceEntity, NonceOutcome } from '../entities/link-nonce.entity';
import { LinkTokenEntity } from '../entities/link-token.entity';

export type ConsumeResult =
  | { status: 'ok'; nonce: LinkNonceEntity }
  | { status: 'unknown' | 'replayed' | 'expired'; nonce: LinkNonceEntity | null };

/** Link tokens and nonces, by hash. */
@Injectable()
export class LinkSecretsRepository {
  constructor(
    @InjectRepository(LinkTokenEntity) private readonly tokens: Repository<LinkTokenEntity>,
    @InjectRepository(LinkNonceEntity) private readonly nonces: Repository<LinkNonceEntity>,
  ) {}

  async insertToken(
    token: Pick<LinkTokenEntity, 'workspaceId' | 'channelId' | 'lineUserRowId' | 'tokenHash' | 'expiresAt'>,
  ): Promise<void> {
    await this.tokens.insert(token);
  }

  findToken(workspaceId: string, tokenHash: Buffer): Promise<LinkTokenEntity | null> {
    return this.tokens.findOne({ where: { workspaceId, tokenHash } });
  }

  /** Only for the reference login page, which stands in for a company site outside any workspace. */
  findTokenInAnyWorkspace(tokenHash: Buffer): Promise<LinkTokenEntity | null> {
    return this.tokens.findOne({ where: { tokenHash } });
  }

  async insertNonce(
    nonce: Pick<
      LinkNonceEntity,
      'workspaceId' | 'channelId' | 'memberId' | 'expectedLineUserRowId' | 'nonceHash' | 'expiresAt'
    >,
  ): Promise<void> {
    await this.nonces.insert(nonce);
  }

  /** Marks the nonce used, atomically, if it is the channel's, unused and unexpired. */
  async consume(channelId: string, nonceHash: Buffer, now: Date): Promise<ConsumeResult> {
    const updated = await this.nonces
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('channel_id = :channelId AND nonce_hash = :nonceHash AND used_at IS NULL AND expires_at > :now', {
        channelId,
        nonceHash,
        now,
      })
      .returning('*')
      .execute();
    const row = (updated.raw as Array<Record<string, unknown>>)[0];
    if (row !== undefined) {
      const nonce = await this.nonces.findOneByOrFail({ id: row.id as string });
      return { status: 'ok', nonce };
    }
    const nonce = await this.nonces.findOne({ where: { channelId, nonceHash } });
    if (nonce === null) return { status: 'unknown', nonce: null };
    return { status: nonce.usedAt !== null ? 'replayed' : 'expired', nonce };
  }

  async setOutcome(id: string, outcome: NonceOutcome): Promise<void> {
    await this.nonces.update({ id, outcome: IsNull() }, { outcome });
  }
}
