import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelsService, WorkspacesService } from '@app/workspaces';

/**
 * `channel ensure-emulator`: registers the emulator's dev channel (EMULATOR_CHANNEL_*) in the
 * default workspace, so that `npm start` without a LINE channel has one channel known to both
 * sides. `channel ensure-env` does the same for a real channel set through LINE_CHANNEL_*.
 * Both are idempotent (update on the LINE channel id).
 */
export async function channelCommand(
  app: INestApplicationContext,
  config: AppConfig,
  action: string,
  out: (line: string) => void,
): Promise<void> {
  const workspaces = app.get(WorkspacesService);
  const channels = app.get(ChannelsService);
  let source: { channelId: string; channelSecret: string; accessToken: string; name: string };
  if (action === 'ensure-emulator') {
    source = { ...config.emulator.channel, name: 'Emulator dev channel' };
  } else if (action === 'ensure-env') {
    if (config.line.channel === undefined) throw new Error('LINE_CHANNEL_ID, _SECRET and _ACCESS_TOKEN are not set');
    source = { ...config.line.channel, name: `LINE channel ${config.line.channel.channelId}` };
  } else {
    throw new Error('usage: channel ensure-emulator | ensure-env');
  }
  const workspaceId = (await workspaces.ensureDefault()).id;
  const channel = await channels.ensure(workspaceId, {
    name: source.name,
    lineChannelId: source.channelId,
    channelSecret: source.channelSecret,
    accessToken: source.accessToken,
    timezone: 'Asia/Tokyo',
  });
  out(`channel ${channel.id} (LINE channel ${channel.lineChannelId}) in workspace ${channel.workspaceId}`);
}
