import { Injectable, Logger } from '@nestjs/common';
import { DeliveryClock } from '@app/delivery';
import { RunPlannerService } from '../planning/run-planner.service';
import { BatchSenderService } from '../sending/batch-sender.service';
import type { NewRun } from './trigger-matcher.service';

/**
 * Starts the runs an event created that are due now: plans each at once, and sends a run of one
 * batch (a member's event) right here too, two queue hops less on the way to LINE. The batch's
 * job was enqueued by the planner anyway: whichever comes second finds the batch claimed or done
 * (the claim is the guard). Later runs wait in PostgreSQL for the reconciler, which also plans a
 * due run whose planning failed here.
 */
@Injectable()
export class TriggerLauncherService {
  private readonly logger = new Logger(TriggerLauncherService.name);

  constructor(
    private readonly planner: RunPlannerService,
    private readonly sender: BatchSenderService,
    private readonly clock: DeliveryClock,
  ) {}

  /** The runs due now, one after the other; a planning error is thrown. */
  async launch(workspaceId: string, runs: NewRun[]): Promise<void> {
    for (const run of this.dueNow(runs)) await this.launchOne(workspaceId, run.runId);
  }

  dueNow(runs: NewRun[]): NewRun[] {
    const now = this.clock.now();
    return runs.filter((r) => r.dueAt <= now);
  }

  async launchOne(workspaceId: string, runId: string): Promise<void> {
    const batches = await this.planner.plan(workspaceId, runId);
    if (batches.length !== 1) return;
    // A shortcut, not the owner: on failure the batch's own job (enqueued by the planner) retries it.
    await this.sender.send(workspaceId, batches[0]).catch((e: unknown) => {
      this.logger.warn(`inline send of batch ${batches[0]} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
}
