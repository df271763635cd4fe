import { HttpStatus, Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ChannelEntity } from '../entities/channel.entity';
import { WorkspacesErrorCode, WorkspacesException } from '../workspaces.exception';
import { ChannelFields, ChannelsRepository } from './channels.repository';

export interface ChannelView {
  id: string;
  name: string;
  lineChannelId: string;
  timezone: string;
  webhookPath: string;
  /** Only the last characters, to tell tokens apart; secrets never leave the engine. */
  accessTokenHint: string;
  /** The bot's own LINE user id: the `destination` of the channel's webhooks, once one arrived. */
  botUserId: string | null;
  createdAt: string;
}

export const toChannelView = (c: ChannelEntity): ChannelView => ({
  id: c.id,
  name: c.name,
  lineChannelId: c.lineChannelId,
  timezone: c.timezone,
  webhookPath: `/webhooks/line/${c.lineChannelId}`,
  accessTokenHint: `…${c.accessToken.slice(-4)}`,
  botUserId: c.botUserId,
  createdAt: c.createdAt.toISOString(),
});

const isUniqueViolation = (e: unknown): boolean =>
  e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505';

@Injectable()
export class ChannelsService {
  constructor(private readonly repository: ChannelsRepository) {}

  async list(workspaceId: string): Promise<ChannelView[]> {
    return (await this.repository.list(workspaceId)).map(toChannelView);
  }

  /** The full entity (with secrets) for other libs' services; never for an HTTP response. */
  async get(workspaceId: string, id: string): Promise<ChannelEntity> {
    const channel = await this.repository.findById(workspaceId, id);
    if (channel === null) {
      throw WorkspacesException.notFound(WorkspacesErrorCode.ChannelNotFound, `Channel ${id} not found`);
    }
    return channel;
  }

  findByLineChannelId(lineChannelId: string): Promise<ChannelEntity | null> {
    return this.repository.findByLineChannelId(lineChannelId);
  }

  /** Webhooks name the bot (`destination`); kept so that operators can match the channel to it. */
  async recordBotUserId(workspaceId: string, id: string, botUserId: string): Promise<void> {
    await this.repository.setBotUserId(workspaceId, id, botUserId);
  }

  async create(workspaceId: string, fields: ChannelFields): Promise<ChannelView> {
    try {
      return toChannelView(await this.repository.insert(workspaceId, fields));
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      throw new WorkspacesException(
        WorkspacesErrorCode.ChannelExists,
        HttpStatus.CONFLICT,
        `A channel with LINE channel id ${fields.lineChannelId} is already registered`,
      );
    }
  }

  async update(workspaceId: string, id: string, fields: Partial<ChannelFields>): Promise<ChannelView> {
    await this.get(workspaceId, id);
    await this.repository.update(workspaceId, id, fields);
    return toChannelView(await this.get(workspaceId, id));
  }

  /** Idempotent: used by start-up to register the environment's (or the emulator's) channel. */
  async ensure(workspaceId: string, fields: ChannelFields): Promise<ChannelEntity> {
    const existing = await this.repository.findByLineChannelId(fields.lineChannelId);
    if (existing === null) {
      await this.repository.insert(workspaceId, fields);
    } else {
      await this.repository.update(existing.workspaceId, existing.id, fields);
    }
    const channel = await this.repository.findByLineChannelId(fields.lineChannelId);
    if (channel === null) throw new Error(`channel ${fields.lineChannelId} vanished`);
    return channel;
  }
}
