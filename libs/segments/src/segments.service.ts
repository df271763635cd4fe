import { Injectable } from '@nestjs/common';
import { ErrorDetail } from '@app/common';
import { ChannelsService, WorkspacesService } from '@app/workspaces';
import { RULE_LIMITS } from './rules/rule.limits';
import { RuleValidator } from './rules/rule.validator';
import { CompiledRule, RuleCompiler } from './rules/rule.compiler';
import type { MemberRange } from './rules/member-range';
import { EvaluateContext, evaluate } from './rules/rule.evaluator';
import { MemberFacts } from './rules/member-facts';
import { Rule, mentionsLink, referencedSegments } from './rules/rule.types';
import { segmentReferences } from './rules/rule-paths';
import { FrozenRule, thawRule } from './rules/frozen-rule';
import { CustomAttributeTypes } from './rules/schema-map';
import { SegmentEntity } from './entities/segment.entity';
import { SegmentsRepository } from './segments.repository';
import { SegmentsException } from './segments.exception';

/** A validated rule with everything needed to compile or evaluate it. */
export interface PreparedRule {
  rule: Rule;
  /** Current rules of every segment reachable through `segment` references. */
  segments: ReadonlyMap<string, Rule>;
  customTypes: CustomAttributeTypes;
  timeZone: string;
  /** Whether the default "linked to a following LINE user" restriction applies. */
  restrictToReachable: boolean;
}

export interface SegmentCounts {
  /** Members matching the rule. */
  matching: number;
  /** Of those, linked to a following, unblocked LINE user of the channel. */
  reachable: number;
  /** The audience a send would have (reachable unless the rule talks about links itself). */
  audience: number;
}

/** The counts of a rule, with the audience a send would have. */
export const segmentCounts = (
  counts: { matching: number; reachable: number },
  restrictToReachable: boolean,
): SegmentCounts => ({
  matching: counts.matching,
  reachable: counts.reachable,
  audience: restrictToReachable ? counts.reachable : counts.matching,
});

export interface SegmentView {
  id: string;
  name: string;
  description: string | null;
  channelId: string;
  version: number;
  rules: Rule;
  count: (SegmentCounts & { countedAt: string }) | null;
  createdAt: string;
  updatedAt: string;
}

export const toSegmentView = (s: SegmentEntity): SegmentView => ({
  id: s.id,
  name: s.name,
  description: s.description,
  channelId: s.channelId,
  version: s.version,
  rules: s.rules,
  count:
    s.countedAt === null
      ? null
      : {
          matching: s.countMatching ?? 0,
          reachable: s.countReachable ?? 0,
          audience: s.countAudience ?? 0,
          countedAt: s.countedAt.toISOString(),
        },
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

export interface SegmentInput {
  name: string;
  description?: string | null;
  channelId: string;
  rules: unknown;
}

/**
 * Saved segments (versioned) and rule preparation: validate a rule tree, resolve the segments it
 * refers to, compile it, evaluate it in memory. The audience queries build on these.
 */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly repository: SegmentsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly channels: ChannelsService,
  ) {}

  /** Validates a rule tree (all problems at once) and resolves the segments it refers to. */
  async prepare(workspaceId: string, input: unknown, selfId?: string): Promise<PreparedRule> {
    const customTypes = await this.repository.customAttributeTypes(workspaceId);
    const result = RuleValidator.validate(input, customTypes);
    if (!result.ok) throw SegmentsException.invalidRules(result.errors);
    const rule = result.rule;
    const segments = new Map<string, Rule>();
    const errors: ErrorDetail[] = [];
    // Breadth-first over references, one query per level; depth is bounded by the limit.
    let frontier = segmentReferences(rule).map((r) => ({ ...r, depth: 1 }));
    while (frontier.length > 0) {
      const ids = [...new Set(frontier.map((f) => f.id).filter((id) => !segments.has(id)))];
      const found = await this.repository.rulesOf(workspaceId, ids);
      const next: typeof frontier = [];
      for (const ref of frontier) {
        if (ref.id === selfId) {
          errors.push({ field: ref.path, reason: 'a segment cannot refer to itself, directly or through others' });
          continue;
        }
        if (ref.depth > RULE_LIMITS.maxSegmentNesting) {
          errors.push({ field: ref.path, reason: `segments nest deeper than ${RULE_LIMITS.maxSegmentNesting} levels` });
          continue;
        }
        const inner = segments.get(ref.id) ?? found.get(ref.id);
        if (inner === undefined) {
          errors.push({ field: ref.path, reason: `unknown segment ${ref.id}` });
          continue;
        }
        if (!segments.has(ref.id)) {
          segments.set(ref.id, inner);
          next.push(...referencedSegments(inner).map((id) => ({ id, path: ref.path, depth: ref.depth + 1 })));
        }
      }
      frontier = next;
    }
    if (errors.length > 0) throw SegmentsException.invalidRules(dedupe(errors));
    return this.prepared(workspaceId, rule, segments, customTypes);
  }

  /** A rule and the segments it refers to, with what compiling or evaluating them also needs. */
  private async prepared(
    workspaceId: string,
    rule: Rule,
    segments: ReadonlyMap<string, Rule>,
    customTypes: CustomAttributeTypes,
  ): Promise<PreparedRule> {
    const workspace = await this.workspaces.get(workspaceId);
    const linkAware = mentionsLink(rule) || [...segments.values()].some(mentionsLink);
    return { rule, segments, customTypes, timeZone: workspace.timezone, restrictToReachable: !linkAware };
  }

  /** `memberRange`: only members with ids in it (one part of a split count). */
  compile(p: PreparedRule, workspaceId: string, channelId: string, now: Date, memberRange?: MemberRange): CompiledRule {
    return RuleCompiler.compile(p.rule, {
      workspaceId,
      channelId,
      now,
      memberRange,
      timeZone: p.timeZone,
      segments: p.segments,
      customTypes: p.customTypes,
    });
  }

  async list(workspaceId: string): Promise<SegmentView[]> {
    return (await this.repository.list(workspaceId)).map(toSegmentView);
  }

  async get(workspaceId: string, id: string): Promise<SegmentEntity> {
    const segment = await this.repository.find(workspaceId, id);
    if (segment === null) throw SegmentsException.notFound(id);
    return segment;
  }

  async create(workspaceId: string, input: SegmentInput): Promise<SegmentView> {
    await this.channels.get(workspaceId, input.channelId);
    const p = await this.prepare(workspaceId, input.rules);
    const saved = await this.repository.create(workspaceId, {
      name: input.name,
      description: input.description ?? null,
      channelId: input.channelId,
      rules: p.rule,
    });
    return toSegmentView(saved);
  }

  async update(workspaceId: string, id: string, input: Partial<SegmentInput>): Promise<SegmentView> {
    const current = await this.get(workspaceId, id);
    const channelId = input.channelId ?? current.channelId;
    if (input.channelId !== undefined) await this.channels.get(workspaceId, channelId);
    const rules = input.rules === undefined ? current.rules : (await this.prepare(workspaceId, input.rules, id)).rule;
    const name = input.name ?? current.name;
    const changed = name !== current.name || JSON.stringify(rules) !== JSON.stringify(current.rules);
    await this.repository.update(
      workspaceId,
      id,
      {
        name,
        rules,
        channelId,
        description: input.description === undefined ? current.description : input.description,
      },
      changed,
    );
    return toSegmentView(await this.get(workspaceId, id));
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.get(workspaceId, id);
    const users = await this.repository.referencing(workspaceId, id);
    if (users.length > 0) throw SegmentsException.inUse(id, users);
    await this.repository.softDelete(workspaceId, id);
  }

  async versions(workspaceId: string, id: string) {
    await this.get(workspaceId, id);
    return (await this.repository.versions(workspaceId, id)).map((v) => ({
      version: v.version,
      name: v.name,
      rules: v.rules,
      createdAt: v.createdAt.toISOString(),
    }));
  }

  /**
   * In-memory check of one member against a prepared rule (event triggers): the same meaning as
   * the SQL, including the default reachability restriction on the channel.
   */
  evaluateMember(p: PreparedRule, facts: MemberFacts, channelId: string, now: Date): boolean {
    const ctx: EvaluateContext = {
      now,
      timeZone: p.timeZone,
      channelId,
      segments: p.segments,
      customTypes: p.customTypes,
    };
    if (p.restrictToReachable) {
      const reachable = facts.lineUsers.some((u) => u.channelId === channelId && u.following && u.blockedAt === null);
      if (!reachable) return false;
    }
    return evaluate(p.rule, facts, ctx);
  }

  /**
   * A snapshot's rules made ready to compile again (filling it later, in another process): the
   * rule with the segments it referred to as they were then, not as they are now.
   */
  async prepareFrozen(workspaceId: string, frozen: FrozenRule): Promise<PreparedRule> {
    const { rule, segments } = thawRule(frozen);
    return this.prepared(workspaceId, rule, segments, await this.repository.customAttributeTypes(workspaceId));
  }

  /** The prepared rule of a saved segment (for callers that evaluate many members in memory). */
  async prepareSegment(workspaceId: string, segmentId: string): Promise<PreparedRule> {
    const segment = await this.get(workspaceId, segmentId);
    return this.prepare(workspaceId, segment.rules, segmentId);
  }
}

function dedupe(errors: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}\n${e.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
