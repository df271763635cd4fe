import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { LineChannelClient, LineClientFactory, LineErrorCode, LineException } from '@app/line';
import { RichMenuCondition } from '../entities/rich-menu-rule.entity';
import { AssignmentRule, desiredMenu, MenuOperation, planMenuChanges } from '../core/assignment';
import { NoSegmentMembership, SEGMENT_MEMBERSHIP, SegmentMembershipPort } from '../core/segment-membership.port';
import { RichMenusRepository } from '../menus/rich-menus.repository';
import { MenuUserRow, MenuUsersRepository } from './menu-users.repository';

const PAGE = 5_000;
export const RECONCILE_SCHEDULER = 'rich-menu-reconcile';
/** Per reconciliation run and channel, this many users are checked against LINE itself. */
const VERIFY_ON_LINE = 200;

export interface SyncReport {
  users: number;
  changed: number;
  requests: number;
  drift: number;
}

/**
 * Brings users' rich menus on LINE in line with the channel's rules: recompute the desired menu,
 * compare with the actual one, send the difference (per-user or bulk calls, through the shared
 * per-channel rate limiter), record what LINE accepted.
 */
@Injectable()
export class RichMenuSyncService {
  private readonly logger = new Logger(RichMenuSyncService.name);
  private readonly segments: SegmentMembershipPort;

  constructor(
    private readonly menus: RichMenusRepository,
    private readonly users: MenuUsersRepository,
    private readonly channels: ChannelsService,
    private readonly line: LineClientFactory,
    @InjectTypedQueue(QueueName.RichMenuSync) private readonly queue: TypedQueue<QueueName.RichMenuSync>,
    @Optional() @Inject(SEGMENT_MEMBERSHIP) segments?: SegmentMembershipPort,
  ) {
    this.segments = segments ?? new NoSegmentMembership();
  }

  /** Reconciliation of every channel: one job per channel. */
  async fanOut(): Promise<number> {
    const channels = await this.users.channelsToReconcile();
    await this.queue.addBulk(channels.map((c) => ({ name: 'reconcile', data: { channelId: c.channelId } })));
    return channels.length;
  }

  /** Periodic reconciliation of every channel every `everyMs` (0 removes the schedule). */
  async scheduleReconciliation(everyMs: number): Promise<void> {
    if (everyMs === 0) {
      await this.queue.removeJobScheduler(RECONCILE_SCHEDULER);
      return;
    }
    await this.queue.upsertJobScheduler(RECONCILE_SCHEDULER, { every: everyMs }, { name: 'reconcile-all', data: {} });
  }

  async requestChannel(channelId: string): Promise<void> {
    await this.queue.add('channel', { channelId });
  }

  /**
   * Syncs the given users of a channel, or the whole channel (with a check against LINE). Syncs of
   * one channel run one at a time; a later one finds what an earlier one sent already recorded.
   */
  async sync(channelId: string, lineUserRowIds?: string[]): Promise<SyncReport> {
    return this.users.withChannelLock(channelId, () => this.syncLocked(channelId, lineUserRowIds));
  }

  private async syncLocked(channelId: string, lineUserRowIds?: string[]): Promise<SyncReport> {
    const workspaceId = await this.users.workspaceOf(channelId);
    const report: SyncReport = { users: 0, changed: 0, requests: 0, drift: 0 };
    if (workspaceId === null) return report;
    const channel = await this.channels.get(workspaceId, channelId);
    const client = this.line.forChannel(channel);
    const rules: AssignmentRule[] = (await this.menus.rulesOf(workspaceId, channelId))
      // LINE refuses to link a menu that has no image yet: such rules wait for their upload.
      .filter((r) => r.richMenu.imageUploadedAt !== null)
      .map((r) => ({ condition: r.condition, segmentId: r.segmentId, lineRichMenuId: r.richMenu.lineRichMenuId }));
    const reconcile = lineUserRowIds === undefined;
    let verifyBudget = reconcile ? VERIFY_ON_LINE : 0;
    let after = '0';
    for (;;) {
      const page = await this.users.page(channelId, after, PAGE, lineUserRowIds);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      report.users += page.length;
      const membership = await this.segmentMembership(workspaceId, rules, page);
      const desiredChanges: Array<{ id: string; desired: string | null }> = [];
      for (const user of page) {
        const desired = desiredMenu(
          rules,
          user,
          (segmentId, memberId) => membership.get(segmentId)?.has(memberId) === true,
        );
        if (desired !== user.desired) desiredChanges.push({ id: user.id, desired });
        user.desired = desired;
      }
      await this.users.setDesired(channelId, desiredChanges);
      const reachable = page.filter((u) => u.following);
      if (verifyBudget > 0) {
        const sample = reachable.slice(0, verifyBudget);
        verifyBudget -= sample.length;
        report.drift += await this.verifyOnLine(client, channelId, sample);
      }
      const ops = planMenuChanges(
        reachable.map((u) => ({ lineUserId: u.lineUserId, desired: u.desired, actual: u.actual })),
      );
      for (const op of ops) {
        report.requests++;
        report.changed += await this.apply(client, channelId, op);
      }
      if (page.length < PAGE) break;
    }
    if (report.changed > 0 || report.drift > 0) {
      this.logger.log(`rich menus of channel ${channelId}: ${JSON.stringify(report)}`);
    }
    return report;
  }

  private async segmentMembership(
    workspaceId: string,
    rules: AssignmentRule[],
    page: MenuUserRow[],
  ): Promise<Map<string, Set<string>>> {
    const segmentIds = [
      ...new Set(
        rules.filter((r) => r.condition === RichMenuCondition.Segment && r.segmentId).map((r) => r.segmentId as string),
      ),
    ];
    const memberIds = page.flatMap((u) => (u.memberId === null ? [] : [u.memberId]));
    const result = new Map<string, Set<string>>();
    if (memberIds.length === 0) return result;
    for (const segmentId of segmentIds)
      result.set(segmentId, await this.segments.membersIn(workspaceId, segmentId, memberIds));
    return result;
  }

  /** Reads the menu LINE really has for a sample of users and corrects our record (drift). */
  private async verifyOnLine(client: LineChannelClient, channelId: string, users: MenuUserRow[]): Promise<number> {
    let drift = 0;
    for (const user of users) {
      const onLine = await client.getRichMenuIdOfUser(user.lineUserId);
      if (onLine === user.actual) continue;
      drift++;
      user.actual = onLine;
      await this.users.setActual(channelId, [user.lineUserId], onLine);
    }
    return drift;
  }

  /** One LINE call; returns how many users it changed. Per-user 4xx (e.g. not a friend) skip that user. */
  private async apply(client: LineChannelClient, channelId: string, op: MenuOperation): Promise<number> {
    try {
      switch (op.kind) {
        case 'link-user':
          await client.linkRichMenuToUser(op.userIds[0], op.richMenuId);
          break;
        case 'unlink-user':
          await client.unlinkRichMenuFromUser(op.userIds[0]);
          break;
        case 'bulk-link':
          await client.bulkLinkRichMenu(op.richMenuId, op.userIds);
          break;
        case 'bulk-unlink':
          await client.bulkUnlinkRichMenu(op.userIds);
          break;
      }
    } catch (e) {
      const perUser = op.kind === 'link-user' || op.kind === 'unlink-user';
      if (
        perUser &&
        e instanceof LineException &&
        [LineErrorCode.ClientError, LineErrorCode.NotFound].includes(e.code)
      ) {
        this.logger.warn(`rich menu ${op.kind} skipped on channel ${channelId}: ${e.message}`);
        return 0;
      }
      throw e;
    }
    const actual = op.kind === 'link-user' || op.kind === 'bulk-link' ? op.richMenuId : null;
    await this.users.setActual(channelId, op.userIds, actual);
    return op.userIds.length;
  }
}
