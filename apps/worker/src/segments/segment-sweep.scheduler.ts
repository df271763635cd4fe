import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { SegmentRefreshScheduler } from '@app/segments';

/** Registers the periodic segments sweep (stale counts, snapshot retention) at the refresh interval. */
@Injectable()
export class SegmentSweepScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly refresh: SegmentRefreshScheduler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh.scheduleSweep(this.config.segments.refreshIntervalMs);
  }
}
