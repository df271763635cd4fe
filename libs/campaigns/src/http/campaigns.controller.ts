import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { WorkspaceId } from '@app/workspaces';
import { ChannelsService } from '@app/workspaces';
import { CampaignsService } from '../campaigns/campaigns.service';
import { CampaignPreviewService } from '../campaigns/campaign-preview.service';
import { CampaignView } from '../campaigns/campaign.view';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { DeliveryPolicyService } from '../campaigns/delivery-policy.service';
import { CreateCampaignDto, DeliverySettingsDto, TestSendDto } from './campaigns.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller()
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly previews: CampaignPreviewService,
    private readonly repository: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly policy: DeliveryPolicyService,
  ) {}

  @Post('campaigns')
  create(@WorkspaceId() ws: string, @Body() body: CreateCampaignDto): Promise<CampaignView> {
    return this.campaigns.create(ws, body);
  }

  @Get('campaigns')
  list(@WorkspaceId() ws: string, @Query('limit') limit?: string): Promise<CampaignView[]> {
    return this.campaigns.list(ws, Math.min(500, Math.max(1, Number(limit ?? 100) || 100)));
  }

  @Get('campaigns/:id')
  get(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignView> {
    return this.campaigns.detail(ws, id);
  }

  /** Server-sent events: the progress every second until the campaign is finished or the client leaves. */
  @Get('campaigns/:id/stream')
  async stream(
    @WorkspaceId() ws: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.campaigns.get(ws, id);
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    let open = true;
    reply.raw.on('close', () => (open = false));
    while (open) {
      const view = await this.campaigns.get(ws, id);
      reply.raw.write(
        `event: progress\ndata: ${JSON.stringify({ status: view.status, statusReason: view.statusReason, ...view.progress })}\n\n`,
      );
      if (['completed', 'cancelled', 'refused'].includes(view.status)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    reply.raw.end();
  }

  @Get('campaigns/:id/preview')
  preview(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<Record<string, unknown>> {
    return this.previews.preview(ws, id);
  }

  @Get('campaigns/:id/runs')
  async runs(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<unknown[]> {
    await this.campaigns.getEntity(ws, id);
    return (await this.repository.listRuns(ws, id)).map((r) => ({
      id: r.id,
      runKey: r.runKey,
      status: r.status,
      statusReason: r.statusReason,
      dueAt: r.dueAt.toISOString(),
      audienceSize: r.audienceSize,
      queued: r.queuedCount,
      skipped: r.skipped,
    }));
  }

  @Post('campaigns/:id/start')
  @HttpCode(200)
  start(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignView> {
    return this.campaigns.start(ws, id);
  }

  @Post('campaigns/:id/pause')
  @HttpCode(200)
  pause(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignView> {
    return this.campaigns.pause(ws, id);
  }

  @Post('campaigns/:id/resume')
  @HttpCode(200)
  resume(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignView> {
    return this.campaigns.resume(ws, id);
  }

  @Post('campaigns/:id/cancel')
  @HttpCode(200)
  cancel(@WorkspaceId() ws: string, @Param('id', ParseUUIDPipe) id: string): Promise<CampaignView> {
    return this.campaigns.cancel(ws, id);
  }

  @Post('campaigns/:id/test-send')
  @HttpCode(202)
  testSend(
    @WorkspaceId() ws: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TestSendDto,
  ): Promise<{ runId: string }> {
    return this.campaigns.testSend(ws, id, body.externalIds);
  }

  @Put('channels/:id/delivery-settings')
  async settings(
    @WorkspaceId() ws: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: DeliverySettingsDto,
  ): Promise<{ ok: true }> {
    await this.channels.get(ws, id);
    await this.repository.saveSettings(ws, id, body);
    this.policy.forget(id);
    return { ok: true };
  }
}
