import {
  eventually,
  LINE_CHANNEL,
  LinkingWorld,
  LOGIN_CHANNEL,
  PNG,
  RICH_MENU,
  startLinkingWorld,
  webhookEvent,
} from './linking-support';

interface Recorded {
  kind: string;
  messages: Array<Record<string, unknown>>;
}

describe('ID linking, webhooks and per-user rich menus (against the emulator)', () => {
  let w: LinkingWorld;
  let guestMenu: { id: string; lineRichMenuId: string };
  let memberMenu: { id: string; lineRichMenuId: string };
  const CH = LINE_CHANNEL.channelId;

  const row = async (lineUserId: string): Promise<Record<string, unknown> | undefined> =>
    (await w.ctx.sql.query('SELECT * FROM line_users WHERE line_user_id = $1', [lineUserId])).rows[0] as
      Record<string, unknown> | undefined;
  const menuOnLine = (userId: string): string | undefined => w.emu.state.channels.get(CH)?.userRichMenus.get(userId);
  const repliesTo = async (userId: string): Promise<Recorded[]> =>
    ((await w.emulator(`/users/${userId}/messages`)).messages as Recorded[]).filter((m) => m.kind === 'reply');
  const replyText = async (userId: string, n: number): Promise<string> => {
    const replies = await eventually(async () => {
      const r = await repliesTo(userId);
      return r.length >= n ? r : undefined;
    });
    return JSON.stringify(replies[n - 1].messages);
  };
  const newUser = async (displayName: string): Promise<string> =>
    ((await w.emulator(`/channels/${CH}/users`, { displayName })).user as { userId: string }).userId;
  const addMember = async (externalId: string, points: number): Promise<string> =>
    (
      await w.ctx.sql.query<{ id: string }>(
        `INSERT INTO members (workspace_id, external_id, last_name, points_balance, membership_tier) VALUES ($1, $2, '山田', $3, 'gold') RETURNING id`,
        [w.workspaceId, externalId, points],
      )
    ).rows[0].id;

  /** Postback "link" → login URL in the reply → reference login page → dialog → accountLink. */
  const linkThroughLoginPage = async (userId: string, externalId: string, replyIndex: number): Promise<void> => {
    await w.emulator(`/channels/${CH}/users/${userId}/postbacks`, { data: 'action=link' });
    const reply = await replyText(userId, replyIndex);
    const loginUrl = new URL(/"uri":"([^"]+)"/.exec(reply)?.[1] ?? 'missing:');
    const linkToken = loginUrl.searchParams.get('linkToken') ?? '';
    expect(loginUrl.pathname).toBe('/link/login');
    const page = await w.call(`/link/login?linkToken=${encodeURIComponent(linkToken)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="externalId"');
    const submitted = await w.call('/link/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ linkToken, externalId, password: 'secret' }).toString(),
    });
    expect(submitted.status).toBe(302);
    const dialog = new URL(submitted.headers.get('location') ?? '');
    expect(dialog.pathname).toBe('/dialog/bot/accountLink');
    expect(dialog.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await fetch(dialog)).status).toBeLessThan(400);
  };

  beforeAll(async () => {
    w = await startLinkingWorld();
    const create = async (name: string): Promise<{ id: string; lineRichMenuId: string }> => {
      const res = await w.call('/rich-menus', {
        method: 'POST',
        key: w.writeKey,
        json: { channelId: w.channelId, richMenu: RICH_MENU(name) },
      });
      expect(res.status).toBe(201);
      const menu = (await res.json()) as { id: string; lineRichMenuId: string };
      const image = await w.call(`/rich-menus/${menu.id}/image`, {
        method: 'PUT',
        key: w.writeKey,
        headers: { 'content-type': 'image/png' },
        body: PNG,
      });
      expect(image.status).toBe(200);
      return menu;
    };
    guestMenu = await create('guest');
    memberMenu = await create('member');
    const rules = await w.call(`/channels/${w.channelId}/rich-menu-rules`, {
      method: 'PUT',
      key: w.writeKey,
      json: {
        rules: [
          { condition: 'linked', richMenuId: memberMenu.id },
          { condition: 'unlinked', richMenuId: guestMenu.id },
        ],
      },
    });
    expect(rules.status).toBe(200);
    const rule = await w.call('/keyword-rules', {
      method: 'POST',
      key: w.writeKey,
      json: {
        channelId: w.channelId,
        keyword: 'ポイント残高',
        linkedTemplate: '{{ member.lastName }}様のポイント残高は{{ member.pointsBalance }}ptです',
        unlinkedTemplate: '会員連携するとポイント残高を確認できます',
      },
    });
    expect(rule.status).toBe(201);
  });

  afterAll(async () => {
    await w?.close();
  });

  it('follow → invitation → login page → nonce → accountLink → linked, menu switched → unlink → menu back', async () => {
    await addMember('M-100', 1234);
    const user = await newUser('Hanako');

    const friend = await eventually(async () => ((await row(user))?.following === true ? row(user) : undefined));
    expect(friend?.member_id).toBeNull();
    const greeting = await replyText(user, 1);
    expect(greeting).toContain('友だち追加ありがとうございます');
    const channel = (await (await w.call(`/channels/${w.channelId}`, { key: w.writeKey })).json()) as {
      botUserId: string | null;
    };
    expect(channel.botUserId).toBe(w.emu.state.channels.get(CH)?.botUserId);
    expect(greeting).toContain('action=link');
    await eventually(() => menuOnLine(user) === guestMenu.lineRichMenuId);
    await eventually(async () => (await row(user))?.display_name === 'Hanako');

    await linkThroughLoginPage(user, 'M-100', 2);
    const linked = await eventually(async () => ((await row(user))?.member_id !== null ? row(user) : undefined));
    expect(linked?.link_method).toBe('messaging_api');
    expect(await replyText(user, 3)).toContain('連携解除');
    await eventually(() => menuOnLine(user) === memberMenu.lineRichMenuId);

    await w.emulator(`/channels/${CH}/users/${user}/messages`, { text: 'ポイント残高' });
    expect(await replyText(user, 4)).toContain('山田様のポイント残高は1234ptです');

    const asWriter = (await (await w.call('/members/M-100/line-link', { key: w.writeKey })).json()) as Record<
      string,
      unknown
    >;
    expect(asWriter.linked).toBe(true);
    expect(JSON.stringify(asWriter)).not.toContain(user);
    const asAdmin = await (await w.call('/members/M-100/line-link', { key: w.adminKey })).text();
    expect(asAdmin).toContain(user);

    // The member view shows the link too, with the LINE user id for admin keys only.
    const member = (await (await w.call('/members/M-100', { key: w.writeKey })).json()) as {
      line: Array<{ method: string; status: string; lineUserId?: string }>;
    };
    expect(member.line).toEqual([expect.objectContaining({ method: 'messaging_api', status: 'following' })]);
    expect(JSON.stringify(member)).not.toContain(user);
    const memberAsAdmin = (await (await w.call('/members/M-100', { key: w.adminKey })).json()) as typeof member;
    expect(memberAsAdmin.line[0].lineUserId).toBe(user);

    await w.emulator(`/channels/${CH}/users/${user}/postbacks`, { data: 'action=unlink' });
    await eventually(async () => (await row(user))?.member_id === null);
    expect(await replyText(user, 5)).toContain('解除しました');
    await eventually(() => menuOnLine(user) === guestMenu.lineRichMenuId);

    // The company unlinks too, after a second link.
    await linkThroughLoginPage(user, 'M-100', 6);
    await eventually(async () => (await row(user))?.member_id !== null);
    expect((await w.call('/members/M-100/line-link', { method: 'DELETE', key: w.writeKey })).status).toBe(204);
    expect((await row(user))?.member_id).toBeNull();
    await eventually(() => menuOnLine(user) === guestMenu.lineRichMenuId);
    expect((await w.call('/members/M-100/line-link', { method: 'DELETE', key: w.writeKey })).status).toBe(404);

    const history = await w.ctx.sql.query<{ action: string; actor: string }>(
      `SELECT action, actor FROM link_history WHERE member_id = (SELECT id FROM members WHERE external_id = 'M-100') ORDER BY id`,
    );
    expect(history.rows.map((h) => `${h.action}:${h.actor}`)).toEqual([
      'link:user',
      'unlink:user',
      'link:user',
      'unlink:company',
    ]);
  });

  it('records block and unblock with LINE event times', async () => {
    const user = await newUser('Blocker');
    await eventually(async () => (await row(user))?.following === true);
    await w.emulator(`/channels/${CH}/users/${user}/block`, {});
    const blocked = await eventually(async () => ((await row(user))?.following === false ? row(user) : undefined));
    expect(blocked?.blocked_at).toBeInstanceOf(Date);
    await w.emulator(`/channels/${CH}/users/${user}/unblock`, {});
    await eventually(async () => (await row(user))?.following === true);
    const events = await w.ctx.sql.query<{ type: string }>(
      `SELECT e.type FROM line_friendship_events e JOIN line_users u ON u.id = e.line_user_row_id WHERE u.line_user_id = $1 ORDER BY e.id`,
      [user],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['follow', 'block', 'unblock']);
  });

  it('refuses forged webhooks (401, nothing stored), unknown channels (404), and processes a redelivery once', async () => {
    const before = Number((await w.ctx.sql.query('SELECT count(*) FROM webhook_events')).rows[0].count);
    const body = {
      destination: 'Ubot',
      events: [
        webhookEvent('message', {
          source: { type: 'user', userId: `U${'a'.repeat(32)}` },
          message: { type: 'text', id: '1', text: 'hi' },
        }),
      ],
    };
    expect((await w.signedWebhook(body, 'AAAA' + 'x'.repeat(40))).status).toBe(401);
    const unsigned = await fetch(`${w.base}/webhooks/line/${CH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(unsigned.status).toBe(401);
    expect(
      (
        await fetch(`${w.base}/webhooks/line/999`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
    expect(Number((await w.ctx.sql.query('SELECT count(*) FROM webhook_events')).rows[0].count)).toBe(before);

    expect((await w.signedWebhook(body)).status).toBe(200);
    const again = { ...body, events: [{ ...body.events[0], deliveryContext: { isRedelivery: true } }] };
    const redelivered = await w.signedWebhook(again);
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toEqual({ stored: 0 });
    const stored = await w.ctx.sql.query('SELECT status FROM webhook_events WHERE webhook_event_id = $1', [
      body.events[0].webhookEventId,
    ]);
    expect(stored.rowCount).toBe(1);
  });

  it('links nothing for replayed, expired or unknown nonces, and refuses conflicts with 409', async () => {
    await addMember('M-200', 10);
    await addMember('M-201', 20);
    const user = await newUser('Replayer');
    await eventually(async () => (await row(user))?.following === true);
    // A nonce made through the API, used once through a forged-but-signed accountLink.
    await w.emulator(`/channels/${CH}/users/${user}/postbacks`, { data: 'action=link' });
    const reply = await replyText(user, 2);
    const linkToken = new URL(/"uri":"([^"]+)"/.exec(reply)?.[1] ?? 'x:').searchParams.get('linkToken') ?? '';

    expect(
      (await w.call('/linking/nonces', { method: 'POST', key: w.writeKey, json: { externalId: 'nobody', linkToken } }))
        .status,
    ).toBe(404);
    const made = await w.call('/linking/nonces', {
      method: 'POST',
      key: w.writeKey,
      json: { externalId: 'M-200', linkToken },
    });
    expect(made.status).toBe(201);
    const madeBody = (await made.json()) as { nonce: string; dialogUrl: string };
    const { nonce, dialogUrl } = madeBody;
    expect(dialogUrl).toContain(`${w.emu.url}/dialog/bot/accountLink?linkToken=`);
    expect(JSON.stringify(madeBody)).not.toContain(user);

    const accountLink = (n: string) =>
      webhookEvent('accountLink', {
        source: { type: 'user', userId: user },
        replyToken: 'r',
        link: { result: 'ok', nonce: n },
      });
    expect((await w.signedWebhook({ destination: 'Ubot', events: [accountLink(nonce)] })).status).toBe(200);
    await eventually(async () => (await row(user))?.member_id !== null);
    await w.call('/members/M-200/line-link', { method: 'DELETE', key: w.writeKey });

    const outcomeOf = async (n: string): Promise<string> => {
      const event = accountLink(n);
      await w.signedWebhook({ destination: 'Ubot', events: [event] });
      return eventually(async () => {
        const r = await w.ctx.sql.query<{ outcome: string | null }>(
          'SELECT outcome FROM webhook_events WHERE webhook_event_id = $1',
          [event.webhookEventId],
        );
        return r.rows[0]?.outcome ?? undefined;
      });
    };
    expect(await outcomeOf(nonce)).toBe('refused: nonce replayed');
    expect(await outcomeOf('unknown-nonce-0123456789')).toBe('refused: nonce unknown');

    await w.emulator(`/channels/${CH}/users/${user}/postbacks`, { data: 'action=link' });
    const token2 =
      new URL(/"uri":"([^"]+)"/.exec(await replyText(user, 3))?.[1] ?? 'x:').searchParams.get('linkToken') ?? '';
    const expiring = (await (
      await w.call('/linking/nonces', {
        method: 'POST',
        key: w.writeKey,
        json: { externalId: 'M-200', linkToken: token2 },
      })
    ).json()) as { nonce: string };
    await w.ctx.sql.query(`UPDATE link_nonces SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    expect(await outcomeOf(expiring.nonce)).toBe('refused: nonce expired');
    expect((await row(user))?.member_id).toBeNull();

    // M-201 linked to another user; a nonce binding M-201 to this user's token is a 409.
    const other = await newUser('Other');
    await eventually(async () => (await row(other))?.following === true);
    await linkThroughLoginPage(other, 'M-201', 2);
    await eventually(async () => (await row(other))?.member_id !== null);
    const conflict = await w.call('/linking/nonces', {
      method: 'POST',
      key: w.writeKey,
      json: { externalId: 'M-201', linkToken: token2 },
    });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string; message: string } }).error.message).toContain(
      'already linked',
    );
  });

  it('links through LINE Login with a verified ID token, and rejects a forged one', async () => {
    await addMember('M-300', 0);
    await addMember('M-301', 0);
    const settings = await w.call(`/channels/${w.channelId}/linking-settings`, {
      method: 'PUT',
      key: w.adminKey,
      json: { lineLoginChannelId: LOGIN_CHANNEL.loginChannelId },
    });
    expect(settings.status).toBe(200);
    const user = await newUser('Login');
    await eventually(async () => (await row(user))?.following === true);
    const { idToken } = (await w.emulator(`/channels/${CH}/users/${user}/id-token`, {})) as { idToken: string };

    const [head, payload] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: `U${'b'.repeat(32)}` })).toString('base64url')}.${idToken.split('.')[2]}`;
    const refused = await w.call('/linking/line-login', {
      method: 'POST',
      key: w.writeKey,
      json: { externalId: 'M-300', idToken: forged },
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LINKING_INVALID_ID_TOKEN');

    const ok = await w.call('/linking/line-login', {
      method: 'POST',
      key: w.writeKey,
      json: { externalId: 'M-300', idToken },
    });
    expect(ok.status).toBe(200);
    const view = await ok.text();
    expect(view).not.toContain(user);
    expect((await row(user))?.link_method).toBe('line_login');
    await eventually(() => menuOnLine(user) === memberMenu.lineRichMenuId);

    const taken = await w.call('/linking/line-login', {
      method: 'POST',
      key: w.writeKey,
      json: { externalId: 'M-301', idToken },
    });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: { code: string } }).error.code).toBe(
      'LINKING_LINE_USER_LINKED_TO_OTHER_MEMBER',
    );
  });
});
