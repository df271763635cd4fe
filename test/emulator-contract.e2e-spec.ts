import { randomUUID } from 'node:crypto';
import { HTTPFetchError, manageAudience, messagingApi, validateSignature } from '@line/bot-sdk';
import { Exchange, RunningEmulator, startEmulator } from '../apps/line-emulator/src/server';
import { Contract, PNG_1PX, SPEC_DIR, WebhookReceiver } from './emulator-support';

const CHANNEL = { channelId: '1000000001', channelSecret: 'contract-secret', accessToken: 'contract-token' };
const NOT_IN_SPEC = /^\/(_emulator|oauth2|dialog|friendship|v2\/profile)/;

describe('LINE emulator contract (@line/bot-sdk against the OpenAPI documents)', () => {
  let emulator: RunningEmulator;
  let receiver: WebhookReceiver;
  let contract: Contract;
  const exchanges: Exchange[] = [];
  let client: messagingApi.MessagingApiClient;
  let blob: messagingApi.MessagingApiBlobClient;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    contract = await Contract.load();
    emulator = await startEmulator({
      specDir: SPEC_DIR,
      channels: [{ ...CHANNEL, webhookUrl: receiver.url }],
      observe: (ex) => {
        if (!NOT_IN_SPEC.test(ex.url)) exchanges.push(ex);
      },
    });
    const config = { channelAccessToken: CHANNEL.accessToken, baseURL: emulator.url };
    client = new messagingApi.MessagingApiClient(config);
    blob = new messagingApi.MessagingApiBlobClient(config);
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  it('serves every SDK call the engine makes, and every exchange and webhook follows the documents', async () => {
    const { user } = await admin('POST', `/_emulator/channels/${CHANNEL.channelId}/users`, { displayName: 'Hanako' });
    const { user: other } = await admin('POST', `/_emulator/channels/${CHANNEL.channelId}/users`, {});
    const userId = user.userId as string;

    const push = await client.pushMessage(
      {
        to: userId,
        messages: [
          {
            type: 'text',
            text: 'hello',
            quickReply: { items: [{ type: 'action', action: { type: 'message', label: 'Yes', text: 'yes' } }] },
          },
        ],
      },
      randomUUID(),
    );
    expect(push.sentMessages).toHaveLength(1);
    await client.multicast(
      {
        to: [userId, other.userId],
        messages: [
          { type: 'text', text: 'all' },
          { type: 'sticker', packageId: '446', stickerId: '1988' },
        ],
      },
      randomUUID(),
    );
    await client.broadcast({ messages: [{ type: 'text', text: 'broadcast' }] }, randomUUID());
    const { replyToken } = await admin('POST', `/_emulator/channels/${CHANNEL.channelId}/users/${userId}/messages`, {
      text: 'hi bot',
    });
    const reply = await client.replyMessage({ replyToken, messages: [{ type: 'text', text: 'hi human' }] });
    expect(reply.sentMessages).toHaveLength(1);
    await client.validatePush({ messages: [{ type: 'text', text: 'ok' }] });

    const audienceClient = new manageAudience.ManageAudienceClient({
      channelAccessToken: CHANNEL.accessToken,
      baseURL: emulator.url,
    });
    const group = await audienceClient.createAudienceGroup({ description: 'vip', audiences: [{ id: userId }] });
    const narrow = await client.narrowcastWithHttpInfo({
      messages: [{ type: 'text', text: 'vip only' }],
      recipient: { type: 'audience', audienceGroupId: group.audienceGroupId },
    });
    const progress = await client.getNarrowcastProgress(narrow.httpResponse.headers.get('x-line-request-id') as string);
    expect(progress).toMatchObject({ phase: 'succeeded', successCount: 1 });

    expect(await client.getMessageQuota()).toEqual({ type: 'none' });
    expect((await client.getMessageQuotaConsumption()).totalUsage).toBe(1 + 2 + 2 + 1 + 1);
    expect((await client.getProfile(userId)).displayName).toBe('Hanako');
    expect((await client.getFollowers(undefined, 1)).next).toEqual(expect.any(String));
    await client.getBotInfo();
    expect((await client.issueLinkToken(userId)).linkToken).toEqual(expect.any(String));

    const menu = {
      size: { width: 2500, height: 843 },
      selected: false,
      name: 'main',
      chatBarText: 'Menu',
      areas: [{ bounds: { x: 0, y: 0, width: 1250, height: 843 }, action: { type: 'postback' as const, data: 'a=1' } }],
    };
    await client.validateRichMenuObject(menu);
    const { richMenuId } = await client.createRichMenu(menu);
    await blob.setRichMenuImage(richMenuId, new Blob([PNG_1PX], { type: 'image/png' }));
    const image = await blob.getRichMenuImageWithHttpInfo(richMenuId);
    expect(image.httpResponse.headers.get('content-type')).toBe('image/png');
    expect((await client.getRichMenu(richMenuId)).name).toBe('main');
    expect((await client.getRichMenuList()).richmenus).toHaveLength(1);
    await client.setDefaultRichMenu(richMenuId);
    expect((await client.getDefaultRichMenuId()).richMenuId).toBe(richMenuId);
    await client.linkRichMenuIdToUser(userId, richMenuId);
    expect((await client.getRichMenuIdOfUser(userId)).richMenuId).toBe(richMenuId);
    await client.unlinkRichMenuIdFromUser(userId);
    await client.linkRichMenuIdToUsers({ richMenuId, userIds: [userId, other.userId] });
    await client.unlinkRichMenuIdFromUsers({ userIds: [other.userId] });
    await client.createRichMenuAlias({ richMenuAliasId: 'tab-a', richMenuId });
    await client.updateRichMenuAlias('tab-a', { richMenuId });
    expect((await client.getRichMenuAlias('tab-a')).richMenuId).toBe(richMenuId);
    expect((await client.getRichMenuAliasList()).aliases).toHaveLength(1);
    await client.deleteRichMenuAlias('tab-a');
    await client.cancelDefaultRichMenu();
    await client.deleteRichMenu(richMenuId);

    // Errors the SDK surfaces: bad message (400), duplicate retry key (409).
    await expect(client.pushMessage({ to: userId, messages: [{ type: 'text' } as never] })).rejects.toMatchObject({
      status: 400,
    });
    const key = randomUUID();
    await client.pushMessage({ to: userId, messages: [{ type: 'text', text: 'once' }] }, key);
    const dup = await client
      .pushMessage({ to: userId, messages: [{ type: 'text', text: 'once' }] }, key)
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(HTTPFetchError);
    expect((dup as HTTPFetchError).status).toBe(409);
    expect((dup as HTTPFetchError).headers.get('x-line-accepted-request-id')).toEqual(expect.any(String));

    const problems = exchanges.flatMap((ex) => contract.check(ex));
    expect(problems).toEqual([]);
    expect(exchanges.length).toBeGreaterThan(35);

    await receiver.waitFor(3);
    for (const w of receiver.received) {
      expect(contract.checkWebhook(w.body)).toEqual([]);
      expect(validateSignature(w.raw, CHANNEL.channelSecret, w.headers['x-line-signature'] as string)).toBe(true);
    }
  });
});
