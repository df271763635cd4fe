import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SessionLocks } from '@app/common';

export interface MenuUserRow {
  id: string;
  lineUserId: string;
  memberId: string | null;
  following: boolean;
  desired: string | null;
  actual: string | null;
}

/**
 * The rich-menu columns of line_users (the table belongs to @app/linking; this lib owns
 * rich_menu_desired / rich_menu_actual / rich_menu_synced_at).
 */
@Injectable()
export class MenuUsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locks: SessionLocks,
  ) {}

  /** A page of a channel's users by id (keyset), optionally only the given rows. */
  async page(channelId: string, afterId: string, limit: number, onlyIds?: string[]): Promise<MenuUserRow[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        line_user_id: string;
        member_id: string | null;
        following: boolean;
        rich_menu_desired: string | null;
        rich_menu_actual: string | null;
      }>
    >(
      `SELECT id, line_user_id, member_id, following, rich_menu_desired, rich_menu_actual
         FROM line_users
        WHERE channel_id = $1 AND id > $2 AND ($4::bigint[] IS NULL OR id = ANY($4::bigint[]))
        ORDER BY id LIMIT $3`,
      [channelId, afterId, limit, onlyIds ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      lineUserId: r.line_user_id,
      memberId: r.member_id,
      following: r.following,
      desired: r.rich_menu_desired,
      actual: r.rich_menu_actual,
    }));
  }

  async setDesired(channelId: string, changes: Array<{ id: string; desired: string | null }>): Promise<void> {
    if (changes.length === 0) return;
    await this.dataSource.query(
      `UPDATE line_users u SET rich_menu_desired = c.desired
         FROM unnest($2::bigint[], $3::text[]) AS c(id, desired)
        WHERE u.channel_id = $1 AND u.id = c.id`,
      [channelId, changes.map((c) => c.id), changes.map((c) => c.desired)],
    );
  }

  async setActual(channelId: string, lineUserIds: string[], actual: string | null): Promise<void> {
    if (lineUserIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE line_users SET rich_menu_actual = $3, rich_menu_synced_at = now()
        WHERE channel_id = $1 AND line_user_id = ANY($2::text[])`,
      [channelId, lineUserIds, actual],
    );
  }

  /**
   * Channels that have rules or users with a per-user menu: what reconciliation visits. The users
   * are probed once per channel on ix_line_users_rich_menu_actual; a DISTINCT over line_users read
   * every user of every channel.
   */
  async channelsToReconcile(): Promise<Array<{ channelId: string; workspaceId: string }>> {
    const rows = await this.dataSource.query<Array<{ channel_id: string; workspace_id: string }>>(
      `SELECT DISTINCT channel_id, workspace_id FROM rich_menu_rules
       UNION
       SELECT c.id, c.workspace_id FROM channels c
        WHERE EXISTS (SELECT 1 FROM line_users u WHERE u.channel_id = c.id AND u.rich_menu_actual IS NOT NULL)`,
    );
    return rows.map((r) => ({ channelId: r.channel_id, workspaceId: r.workspace_id }));
  }

  async workspaceOf(channelId: string): Promise<string | null> {
    const rows = await this.dataSource.query<Array<{ workspace_id: string }>>(
      `(SELECT workspace_id FROM rich_menu_rules WHERE channel_id = $1 LIMIT 1)
       UNION ALL (SELECT workspace_id FROM line_users WHERE channel_id = $1 LIMIT 1) LIMIT 1`,
      [channelId],
    );
    return rows[0]?.workspace_id ?? null;
  }

  /**
   * Runs `work` while holding the channel's sync lock: two syncs of one channel at once would both
   * see the same users out of date and both send LINE the same change.
   */
  async withChannelLock<T>(channelId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(`rich-menu-sync:${channelId}`, work);
  }
}
