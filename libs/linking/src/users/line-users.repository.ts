import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { FriendshipEventEntity, FriendshipEventType } from '../entities/friendship-event.entity';
import { LineUserEntity, LinkMethod } from '../entities/line-user.entity';
import { LinkAction, LinkActor, LinkHistoryEntity } from '../entities/link-history.entity';

export type LinkResult = 'linked' | 'already_linked' | 'line_user_taken' | 'member_taken';

export interface HistoryEntry {
  workspaceId: string;
  channelId: string;
  lineUserRowId: string | null;
  memberId: string | null;
  action: LinkAction;
  actor: LinkActor;
  via: string;
  reason?: string | null;
}

const isUniqueViolation = (e: unknown): boolean =>
  e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505';

/** line_users, their friendship events and the link history. Every call names the channel. */
@Injectable()
export class LineUsersRepository {
  constructor(
    @InjectRepository(LineUserEntity) private readonly users: Repository<LineUserEntity>,
    @InjectRepository(LinkHistoryEntity) private readonly history: Repository<LinkHistoryEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The row of a LINE user, created (not following) when first seen. */
  async ensure(workspaceId: string, channelId: string, lineUserId: string): Promise<LineUserEntity> {
    await this.users.createQueryBuilder().insert().values({ workspaceId, channelId, lineUserId }).orIgnore().execute();
    return this.users.findOneOrFail({ where: { channelId, lineUserId } });
  }

  findByLineUserId(channelId: string, lineUserId: string): Promise<LineUserEntity | null> {
    return this.users.findOne({ where: { channelId, lineUserId } });
  }

  findById(channelId: string, id: string): Promise<LineUserEntity | null> {
    return this.users.findOne({ where: { channelId, id } });
  }

  findByMember(channelId: string, memberId: string): Promise<LineUserEntity | null> {
    return this.users.findOne({ where: { channelId, memberId } });
  }

  listByMember(workspaceId: string, memberId: string): Promise<LineUserEntity[]> {
    return this.users.find({ where: { workspaceId, memberId }, order: { linkedAt: 'ASC' } });
  }

  /**
   * Follow or unblock at LINE's event time. An older event than the last block (out-of-order
   * delivery) changes nothing.
   */
  async recordFollow(user: LineUserEntity, at: Date, unblocked: boolean): Promise<boolean> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE line_users SET following = true, followed_at = $3, blocked_at = NULL, updated_at = now()
        WHERE channel_id = $1 AND id = $2 AND (blocked_at IS NULL OR blocked_at <= $3)`,
      [user.channelId, user.id, at],
    );
    const changed = result[1] > 0;
    if (changed)
      await this.addFriendshipEvent(user, unblocked ? FriendshipEventType.Unblock : FriendshipEventType.Follow, at);
    return changed;
  }

  /** Unfollow = block, at LINE's event time (unless a later follow is already recorded). */
  async recordBlock(user: LineUserEntity, at: Date): Promise<boolean> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE line_users SET following = false, blocked_at = $3, updated_at = now()
        WHERE channel_id = $1 AND id = $2 AND (followed_at IS NULL OR followed_at <= $3)`,
      [user.channelId, user.id, at],
    );
    const changed = result[1] > 0;
    if (changed) await this.addFriendshipEvent(user, FriendshipEventType.Block, at);
    return changed;
  }

  /** For LINE Login: friendship as LINE reports it, when the engine has not seen a follow. */
  async setFollowingIfUnknown(channelId: string, id: string, following: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE line_users SET following = $3, updated_at = now()
        WHERE channel_id = $1 AND id = $2 AND followed_at IS NULL AND blocked_at IS NULL`,
      [channelId, id, following],
    );
  }

  private async addFriendshipEvent(user: LineUserEntity, type: FriendshipEventType, occurredAt: Date): Promise<void> {
    await this.dataSource.getRepository(FriendshipEventEntity).insert({
      workspaceId: user.workspaceId,
      channelId: user.channelId,
      lineUserRowId: user.id,
      type,
      occurredAt,
    });
  }

  async saveProfile(
    channelId: string,
    id: string,
    profile: { displayName: string; pictureUrl?: string; statusMessage?: string; language?: string },
  ): Promise<void> {
    await this.users.update(
      { channelId, id },
      {
        displayName: profile.displayName,
        pictureUrl: profile.pictureUrl ?? null,
        statusMessage: profile.statusMessage ?? null,
        language: profile.language ?? null,
        profileFetchedAt: new Date(),
      },
    );
  }

  /**
   * Links the LINE user to the member and writes the history in one transaction. The partial
   * unique index (channel, member) settles races between two links of one member.
   */
  async link(
    user: LineUserEntity,
    memberId: string,
    method: LinkMethod,
    entry: Omit<HistoryEntry, 'action' | 'lineUserRowId' | 'memberId' | 'workspaceId' | 'channelId'>,
  ): Promise<LinkResult> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<Array<{ member_id: string | null }>>(
          `SELECT member_id FROM line_users WHERE channel_id = $1 AND id = $2 FOR UPDATE`,
          [user.channelId, user.id],
        );
        const current = rows[0]?.member_id ?? null;
        if (current === memberId) return 'already_linked';
        if (current !== null) return 'line_user_taken';
        await manager.query(
          `UPDATE line_users SET member_id = $3, linked_at = now(), link_method = $4, updated_at = now()
            WHERE channel_id = $1 AND id = $2`,
          [user.channelId, user.id, memberId, method],
        );
        await manager.getRepository(LinkHistoryEntity).insert({
          workspaceId: user.workspaceId,
          channelId: user.channelId,
          lineUserRowId: user.id,
          memberId,
          action: LinkAction.Link,
          actor: entry.actor,
          via: entry.via,
          reason: entry.reason ?? null,
        });
        return 'linked';
      });
    } catch (e) {
      if (isUniqueViolation(e)) return 'member_taken';
      throw e;
    }
  }

  /** Unlinks; returns the member it was linked to, or null when it was not linked. */
  async unlink(user: LineUserEntity, entry: Pick<HistoryEntry, 'actor' | 'via' | 'reason'>): Promise<string | null> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<[Array<{ member_id: string }>, number]>(
        `UPDATE line_users u SET member_id = NULL, linked_at = NULL, link_method = NULL, updated_at = now()
           FROM (SELECT id, member_id FROM line_users WHERE channel_id = $1 AND id = $2 FOR UPDATE) old
          WHERE u.id = old.id AND old.member_id IS NOT NULL
          RETURNING old.member_id`,
        [user.channelId, user.id],
      );
      const memberId = rows[0][0]?.member_id ?? null;
      if (memberId === null) return null;
      await manager.getRepository(LinkHistoryEntity).insert({
        workspaceId: user.workspaceId,
        channelId: user.channelId,
        lineUserRowId: user.id,
        memberId,
        action: LinkAction.Unlink,
        actor: entry.actor,
        via: entry.via,
        reason: entry.reason ?? null,
      });
      return memberId;
    });
  }

  async addHistory(entry: HistoryEntry): Promise<void> {
    await this.history.insert({ ...entry, reason: entry.reason ?? null });
  }

  listHistory(workspaceId: string, memberId: string): Promise<LinkHistoryEntity[]> {
    return this.history.find({ where: { workspaceId, memberId }, order: { createdAt: 'DESC', id: 'DESC' }, take: 100 });
  }
}
