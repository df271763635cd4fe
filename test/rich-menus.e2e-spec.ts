import { randomBytes } from 'node:crypto';
import { RichMenuSyncService } from '@app/rich-menus';
import { eventually, LINE_CHANNEL, LinkingWorld, PNG, RICH_MENU, startLinkingWorld } from './linking-support';

/** 10,000 friends change menu at once: bulk calls of ≤ 500, no 429, every user on the right menu. */
describe('rich menus: bulk assignment of 10,000 users', () => {
  let w: LinkingWorld;

  beforeAll(async () => {
    w = await startLinkingWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('assigns the linked/unlinked menus to 10,000 users within LINE limits, and reconciles drift', async () => {
    const users = Array.from({ length: 10_000 }, () => `U${randomBytes(16).toString('hex')}`);
    const members = await w.ctx.sql.query<{ id: string }>(
      `INSERT INTO members (workspace_id, external_id)
       SELECT $1, 'bulk-' || g FROM generate_series(1, 4000) g RETURNING id`,
      [w.workspaceId],
    );
    // 4,000 linked and 6,000 unlinked friends, as the webhooks would have left them.
    await w.ctx.sql.query(
      `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, followed_at, member_id, linked_at, link_method)
       SELECT $1, $2, u.line_user_id, true, now(), m.id, CASE WHEN m.id IS NULL THEN NULL ELSE now() END,
              CASE WHEN m.id IS NULL THEN NULL ELSE 'messaging_api'::line_link_method END
         FROM unnest($3::text[]) WITH ORDINALITY AS u(line_user_id, n)
         LEFT JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM members WHERE id = ANY($4::bigint[])) m ON m.n = u.n`,
      [w.workspaceId, w.channelId, users, members.rows.map((m) => m.id)],
    );

    const menu = async (name: string): Promise<{ id: string; lineRichMenuId: string }> => {
      const created = (await (
        await w.call('/rich-menus', {
          method: 'POST',
          key: w.writeKey,
          json: { channelId: w.channelId, richMenu: RICH_MENU(name) },
        })
      ).json()) as { id: string; lineRichMenuId: string };
      await w.call(`/rich-menus/${created.id}/image`, {
        method: 'PUT',
        key: w.writeKey,
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
      return created;
    };
    const linked = await menu('linked');
    const guest = await menu('guest');
    const put = await w.call(`/channels/${w.channelId}/rich-menu-rules`, {
      method: 'PUT',
      key: w.writeKey,
      json: {
        rules: [
          { condition: 'linked', richMenuId: linked.id },
          { condition: 'unlinked', richMenuId: guest.id },
        ],
      },
    });
    expect(put.status).toBe(200);

    const onLine = w.emu.state.channels.get(LINE_CHANNEL.channelId)?.userRichMenus;
    await eventually(() => onLine !== undefined && users.every((u) => onLine.has(u)), 60_000);
    expect(users.slice(0, 4000).every((u) => onLine?.get(u) === linked.lineRichMenuId)).toBe(true);
    expect(users.slice(4000).every((u) => onLine?.get(u) === guest.lineRichMenuId)).toBe(true);

    const changes = (await w.emulator('/rich-menu-changes')).changes as Array<{ action: string; userIds?: string[] }>;
    const bulk = changes.filter((c) => c.action === 'bulkLink');
    expect(bulk.length).toBe(20);
    expect(Math.max(...bulk.map((c) => c.userIds?.length ?? 0))).toBeLessThanOrEqual(500);
    const counts = (await w.emulator('/counts')) as { rejected: Record<string, number> };
    expect(counts.rejected['429'] ?? 0).toBe(0);
    // LINE answers before the engine records the answer: wait for the last batch's commit.
    const syncedCount = async (): Promise<number> =>
      (
        await w.ctx.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM line_users WHERE rich_menu_actual = rich_menu_desired`,
        )
      ).rows[0].n;
    await eventually(async () => (await syncedCount()) === 10_000, 30_000);
    expect(await syncedCount()).toBe(10_000);

    // Drift: LINE lost a user's menu; reconciliation notices (sampled check) and repairs it.
    onLine?.delete(users[0]);
    await w.ctx.sql.query(`UPDATE line_users SET rich_menu_actual = NULL WHERE line_user_id = $1`, [users[1]]);
    await w.worker.get(RichMenuSyncService).sync(w.channelId);
    expect(onLine?.get(users[0])).toBe(linked.lineRichMenuId);
    expect(onLine?.get(users[1])).toBe(linked.lineRichMenuId);

    // Two syncs of one channel at once (a rule change and an image upload, say) send each change once.
    const before = ((await w.emulator('/rich-menu-changes')).changes as unknown[]).length;
    await w.ctx.sql.query(`UPDATE line_users SET rich_menu_actual = NULL WHERE line_user_id = ANY($1::text[])`, [
      users.slice(5000, 6000),
    ]);
    const sync = w.worker.get(RichMenuSyncService);
    const reports = await Promise.all([sync.sync(w.channelId), sync.sync(w.channelId)]);
    expect(reports.map((r) => r.changed).sort((a, b) => a - b)).toEqual([0, 1000]);
    const after = (await w.emulator('/rich-menu-changes')).changes as Array<{ action: string; userIds?: string[] }>;
    expect(after.slice(before).map((c) => [c.action, c.userIds?.length])).toEqual([
      ['bulkLink', 500],
      ['bulkLink', 500],
    ]);
  });

  it('reconciles a channel whose rules are gone while its users still have menus, until none has one', async () => {
    const sync = w.worker.get(RichMenuSyncService);
    // Gone without the API's own sync: only the users' menus still point reconciliation here.
    await w.ctx.sql.query(`DELETE FROM rich_menu_rules WHERE channel_id = $1`, [w.channelId]);
    expect(await sync.fanOut()).toBe(1);
    const withMenu = async (): Promise<number> =>
      (
        await w.ctx.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM line_users WHERE channel_id = $1 AND rich_menu_actual IS NOT NULL`,
          [w.channelId],
        )
      ).rows[0].n;
    await eventually(async () => (await withMenu()) === 0, 30_000);
    const onLine = w.emu.state.channels.get(LINE_CHANNEL.channelId)?.userRichMenus;
    expect(onLine?.size ?? 0).toBe(0);
    expect(await sync.fanOut()).toBe(0);
  });
});
