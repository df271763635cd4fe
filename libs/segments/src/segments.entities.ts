import { SegmentEntity } from './entities/segment.entity';
import { SegmentSnapshotMemberEntity } from './entities/segment-snapshot-member.entity';
import { SegmentSnapshotEntity } from './entities/segment-snapshot.entity';
import { SegmentVersionEntity } from './entities/segment-version.entity';

export const SEGMENT_ENTITIES = [
  SegmentEntity,
  SegmentVersionEntity,
  SegmentSnapshotEntity,
  SegmentSnapshotMemberEntity,
];
