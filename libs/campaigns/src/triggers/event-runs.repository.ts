import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedRows } from '@app/common';
import type { MemberRenderFields } from '@app/delivery';
import { MemberFieldRow, memberFieldsOf } from '../sending/member-fields.sql';
import { PLAN_ONE_MEMBER_RUNS_SQL } from './event-runs.sql';

/** What one campaign's group of one-member event runs is planned with. */
export interface EventRunRules {
  workspaceId: string;
  campaignId: string;
  channelId: string;
  countsTowardCap: boolean;
  availableAt: Date;
  leaseMs: number;
}

/** A batch of one written by {@link EventRunsRepository.planOneMemberRuns}, reachable when planned. */
export interface PlannedEventBatch {
  batchId: string;
  runId: string;
  memberId: string;
  lineUserId: string;
  runKey: string;
  messageIndex: number[] | null;
  /** Set when written claimed (`sendNow`). */
  firstAttemptAt: Date | null;
  /** What personalised messages may read of the member, as of planning. */
  member: MemberRenderFields;
}

type PlannedRow = Omit<PlannedEventBatch, 'member'> & MemberFieldRow;

/**
 * The set-based planning of many one-member event runs of one campaign: the same rows the
 * keyset planner writes for a one-member audience (ledger row for a skip, a batch of one, the
 * run's counts and cursor), with its SQL fragments (planner.sql), for all the runs in one
 * statement.
 */
@Injectable()
export class EventRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the runs still scheduled (a reconciler or another worker may have taken some) and plans
   * them, in one statement (atomic without a transaction's round trips); returns the batches
   * written. A run whose member is gone, or is skipped by a rule, completes here with nothing
   * queued. Nothing is claimed unless the campaign is active at this instant: a paused or
   * cancelled campaign's runs stay scheduled for the keyset planner, which handles both.
   * With `sendNow` the batches are written already claimed by the caller (lease, first attempt),
   * with what sending needs (the run's key, the member's LINE user): the claim statement of the
   * batch sender would only read back what this one just wrote. A caller that dies holding them
   * leaves them to the reconciler when the lease expires, as after any claim.
   */
  async planOneMemberRuns(rules: EventRunRules, runIds: string[], sendNow = false): Promise<PlannedEventBatch[]> {
    const rows = await preparedRows<PlannedRow>(this.dataSource, PLAN_ONE_MEMBER_RUNS_SQL, [
      rules.workspaceId,
      runIds,
      String(rules.leaseMs),
      rules.campaignId,
      rules.channelId,
      rules.countsTowardCap,
      rules.availableAt,
      sendNow,
    ]);
    return rows.map((r) => ({
      batchId: r.batchId,
      runId: r.runId,
      memberId: r.memberId,
      lineUserId: r.lineUserId,
      runKey: r.runKey,
      messageIndex: r.messageIndex,
      firstAttemptAt: r.firstAttemptAt,
      member: memberFieldsOf(r),
    }));
  }
}
