import { Injectable, Logger } from '@nestjs/common';
import { DeliveryPolicyService } from '../campaigns/delivery-policy.service';
import { BatchesRepository } from './batches.repository';

/** Runs looked at per pass; more wait for the next one. */
const PER_PASS = 100;

/**
 * Completes runs that nobody completed: a batch's sender completes its run after recording
 * LINE's answers, in a statement of its own, and a sender killed between the two leaves the run
 * sending for ever (the job's retry finds the batch done and returns). Run by the worker's
 * reconciler tick; the completion is the senders' own (only the statement that moved the run
 * acts on it), so a sender completing the same run at the same moment does no harm.
 */
@Injectable()
export class StrandedRunsService {
  private readonly logger = new Logger(StrandedRunsService.name);

  constructor(
    private readonly batches: BatchesRepository,
    private readonly policy: DeliveryPolicyService,
  ) {}

  /** One pass; returns the runs it completed. */
  async completeStranded(): Promise<string[]> {
    const runs = await this.batches.strandedRuns(PER_PASS);
    if (runs.length === 0) return [];
    const completed = new Set(await this.batches.completeRunsIfDone(runs.map((r) => r.id)));
    for (const run of runs) {
      if (!completed.has(run.id)) continue;
      await this.policy.onRunCompleted(run.workspaceId, run.campaignId);
      this.logger.warn(`run ${run.id}: every batch was done but the run was not completed; completed it now`);
    }
    return [...completed];
  }
}
