import { Controller, Headers, HttpCode, Param, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '@app/workspaces';
import { WebhooksService } from '../webhooks/webhooks.service';

/** LINE's webhook: authenticated by the channel secret's signature, not by an API key. */
@Public()
@Controller('webhooks/line')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':channelId')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(
    @Param('channelId') lineChannelId: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('x-line-signature') signature: string | undefined,
  ): Promise<{ stored: number }> {
    return this.webhooks.receive(lineChannelId, request.rawBody, signature);
  }
}
