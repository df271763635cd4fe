import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Public } from '@app/workspaces';

/** Prometheus scrape endpoint; meant for the internal network, like /health. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController extends PrometheusController {
  @Get()
  override async index(
    @Res({ passthrough: true }) response: Parameters<PrometheusController['index']>[0],
  ): Promise<string> {
    return super.index(response);
  }
}
