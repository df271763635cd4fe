import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { LineClientFactory, LineErrorCode, LineException, LineRichMenu } from '@app/line';
import { RichMenuEntity } from '../entities/rich-menu.entity';
import { RichMenuCondition } from '../entities/rich-menu-rule.entity';
import { RichMenusErrorCode, RichMenusException } from '../rich-menus.exception';
import { RichMenuSyncService } from '../sync/rich-menu-sync.service';
import { RichMenusRepository, RuleFields } from './rich-menus.repository';

export interface RichMenuView {
  id: string;
  channelId: string;
  lineRichMenuId: string;
  name: string;
  definition: Record<string, unknown>;
  imageUploaded: boolean;
  isDefault: boolean;
  createdAt: string;
}

export interface RichMenuRuleView {
  position: number;
  condition: RichMenuCondition;
  segmentId: string | null;
  richMenuId: string;
}

export const toRichMenuView = (m: RichMenuEntity): RichMenuView => ({
  id: m.id,
  channelId: m.channelId,
  lineRichMenuId: m.lineRichMenuId,
  name: m.name,
  definition: m.definition,
  imageUploaded: m.imageUploadedAt !== null,
  isDefault: m.isDefault,
  createdAt: m.createdAt.toISOString(),
});

export type ImageType = 'image/png' | 'image/jpeg';

@Injectable()
export class RichMenusService {
  constructor(
    private readonly repository: RichMenusRepository,
    private readonly channels: ChannelsService,
    private readonly line: LineClientFactory,
    private readonly sync: RichMenuSyncService,
  ) {}

  /** Creates the menu on LINE (which validates it too), then keeps it with its LINE id. */
  async create(workspaceId: string, channelId: string, menu: LineRichMenu): Promise<RichMenuView> {
    const channel = await this.channels.get(workspaceId, channelId);
    const lineRichMenuId = await this.line.forChannel(channel).createRichMenu(menu);
    const entity = await this.repository.insert({
      workspaceId,
      channelId,
      lineRichMenuId,
      name: menu.name ?? lineRichMenuId,
      definition: menu,
    });
    return toRichMenuView(entity);
  }

  async list(workspaceId: string, channelId?: string): Promise<RichMenuView[]> {
    return (await this.repository.list(workspaceId, channelId)).map(toRichMenuView);
  }

  async get(workspaceId: string, id: string): Promise<RichMenuView> {
    return toRichMenuView(await this.entity(workspaceId, id));
  }

  async uploadImage(workspaceId: string, id: string, image: Buffer, contentType: ImageType): Promise<RichMenuView> {
    const menu = await this.entity(workspaceId, id);
    if (!isImage(image, contentType)) {
      throw RichMenusException.badRequest(
        RichMenusErrorCode.UnsupportedImage,
        `The body is not a ${contentType} image`,
        'body',
      );
    }
    const channel = await this.channels.get(workspaceId, menu.channelId);
    await this.line.forChannel(channel).setRichMenuImage(menu.lineRichMenuId, image, contentType);
    await this.repository.imageUploaded(workspaceId, id, contentType);
    // Rules naming this menu start to apply now.
    await this.sync.requestChannel(menu.channelId);
    return this.get(workspaceId, id);
  }

  async setDefault(workspaceId: string, id: string): Promise<RichMenuView> {
    const menu = await this.entity(workspaceId, id);
    if (menu.imageUploadedAt === null) {
      throw RichMenusException.badRequest(
        RichMenusErrorCode.ImageRequired,
        'Upload the image before making it the default',
        'id',
      );
    }
    const channel = await this.channels.get(workspaceId, menu.channelId);
    await this.line.forChannel(channel).setDefaultRichMenu(menu.lineRichMenuId);
    await this.repository.setDefault(workspaceId, menu.channelId, id);
    return this.get(workspaceId, id);
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    const menu = await this.entity(workspaceId, id);
    const channel = await this.channels.get(workspaceId, menu.channelId);
    try {
      await this.line.forChannel(channel).deleteRichMenu(menu.lineRichMenuId);
    } catch (e) {
      if (!(e instanceof LineException && e.code === LineErrorCode.NotFound)) throw e;
    }
    await this.repository.delete(workspaceId, id);
    await this.sync.requestChannel(menu.channelId);
  }

  async rules(workspaceId: string, channelId: string): Promise<RichMenuRuleView[]> {
    await this.channels.get(workspaceId, channelId);
    return (await this.repository.rulesOf(workspaceId, channelId)).map((r) => ({
      position: r.position,
      condition: r.condition,
      segmentId: r.segmentId,
      richMenuId: r.richMenuId,
    }));
  }

  /** Replaces the channel's rules (order = priority) and re-evaluates every user. */
  async replaceRules(workspaceId: string, channelId: string, rules: RuleFields[]): Promise<RichMenuRuleView[]> {
    await this.channels.get(workspaceId, channelId);
    const menus = new Map((await this.repository.list(workspaceId, channelId)).map((m) => [m.id, m]));
    rules.forEach((rule, i) => {
      if (!menus.has(rule.richMenuId)) {
        throw RichMenusException.badRequest(
          RichMenusErrorCode.InvalidRule,
          `rich menu ${rule.richMenuId} is not a menu of this channel`,
          `rules[${i}].richMenuId`,
        );
      }
      if ((rule.condition === RichMenuCondition.Segment) !== (rule.segmentId !== null)) {
        throw RichMenusException.badRequest(
          RichMenusErrorCode.InvalidRule,
          'segmentId is required for segment rules and only for them',
          `rules[${i}].segmentId`,
        );
      }
    });
    await this.repository.replaceRules(workspaceId, channelId, rules);
    await this.sync.requestChannel(channelId);
    return this.rules(workspaceId, channelId);
  }

  private async entity(workspaceId: string, id: string): Promise<RichMenuEntity> {
    const menu = await this.repository.find(workspaceId, id);
    if (menu === null) throw RichMenusException.notFound(id);
    return menu;
  }
}

/** Magic bytes, so that a mislabelled upload fails here with a clear 400 rather than at LINE. */
function isImage(image: Buffer, type: ImageType): boolean {
  if (type === 'image/png')
    return image.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return image.length > 3 && image[0] === 0xff && image[1] === 0xd8 && image[2] === 0xff;
}
