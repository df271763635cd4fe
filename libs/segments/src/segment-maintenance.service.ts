import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { SegmentMaintenanceRepository } from './segment-maintenance.repository';
import { SegmentRefreshScheduler } from './segment-refresh.scheduler';
import { SegmentsException } from './segments.exception';

/** Segments queued for a recount per sweep; the rest wait for the next one (oldest first). */
const SWEEP_BATCH = 500;
/** Snapshots deleted per transaction of the retention sweep (members go with them). */
const RETENTION_BATCH = 50;

export interface SweepReport {
  queuedCounts: number;
  droppedSnapshots: number;
}

/** Snapshot deletion, and the periodic sweep: stale cached counts, snapshot retention. */
@Injectable()
export class SegmentMaintenanceService {
  private readonly logger = new Logger(SegmentMaintenanceService.name);

  constructor(
    private readonly repository: SegmentMaintenanceRepository,
    private readonly refresh: SegmentRefreshScheduler,
    private readonly config: AppConfig,
  ) {}

  /** Deletes a snapshot; refused (409) while a scheduled, planning or sending run uses it. */
  async deleteSnapshot(workspaceId: string, snapshotId: string): Promise<void> {
    const result = await this.repository.deleteSnapshot(workspaceId, snapshotId);
    if (result.outcome === 'missing') throw SegmentsException.snapshotNotFound(snapshotId);
    if (result.outcome === 'in-use') throw SegmentsException.snapshotInUse(snapshotId, result.runs);
  }

  /**
   * Queues a recount of every live segment whose count is older than the refresh interval (or
   * was never taken), then deletes expired unreferenced snapshots in small transactions.
   */
  async sweep(now = new Date()): Promise<SweepReport> {
    const { refreshIntervalMs, snapshotRetentionDays } = this.config.segments;
    let queuedCounts = 0;
    if (refreshIntervalMs > 0) {
      const stale = await this.repository.staleSegments(new Date(now.getTime() - refreshIntervalMs), SWEEP_BATCH);
      const round = Math.floor(now.getTime() / refreshIntervalMs);
      for (const s of stale) await this.refresh.schedule(s.workspaceId, s.segmentId, round);
      queuedCounts = stale.length;
    }
    const before = new Date(now.getTime() - snapshotRetentionDays * 86_400_000);
    let droppedSnapshots = 0;
    for (;;) {
      const n = await this.repository.dropExpiredSnapshots(before, RETENTION_BATCH);
      droppedSnapshots += n;
      if (n < RETENTION_BATCH) break;
    }
    if (queuedCounts + droppedSnapshots > 0)
      this.logger.log(`segments sweep: ${queuedCounts} counts queued, ${droppedSnapshots} snapshots dropped`);
    return { queuedCounts, droppedSnapshots };
  }
}
