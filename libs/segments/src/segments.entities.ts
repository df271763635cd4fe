import { Index } from 'typeorm';
import { MemberAggregateEntity, MemberEntity, MemberEventEntity } from '@app/members';
import { LineUserEntity } from '@app/linking';
import { SegmentEntity } from './entities/segment.entity';
import { SegmentSnapshotChunkEntity } from './entities/segment-snapshot-chunk.entity';
import { SegmentSnapshotEntity } from './entities/segment-snapshot.entity';
import { SegmentVersionEntity } from './entities/segment-version.entity';

export const SEGMENT_ENTITIES = [
  SegmentEntity,
  SegmentVersionEntity,
  SegmentSnapshotEntity,
  SegmentSnapshotChunkEntity,
];

/*
 * Indexes the segment queries need on other libs' tables (events, line_users, members,
 * member_aggregates), created by the hand-written migrations SegmentsQueryIndexes,
 * SegmentsReachabilityIndexes and SegmentsMemberScanIndexes (expression, partial and INCLUDE
 * indexes TypeORM cannot express).
 * Declared here with synchronize: false so that schema sync and the drift test leave them alone;
 * the natural home is MemberEventEntity (to move there when its owner agrees).
 */
Index('ix_events_purchase_max_item_price', { synchronize: false })(MemberEventEntity);
Index('ix_events_type_member_time', { synchronize: false })(MemberEventEntity);
Index('ix_events_purchase_item_10000', { synchronize: false })(MemberEventEntity);
Index('ix_line_users_reachable', { synchronize: false })(LineUserEntity);
Index('ix_members_segment_attrs', { synchronize: false })(MemberEntity);
Index('ix_member_aggregates_buyers', { synchronize: false })(MemberAggregateEntity);
