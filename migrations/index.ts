/* The migrations, in order. `npm run cli -- migration:generate Name` appends to this list. */
import { InitialSchema1795432294218 } from './1795432294218-InitialSchema';
import { AddMembersEventsCatalog1795432789152 } from './1795432789152-AddMembersEventsCatalog';
import { AddCampaignsDelivery1795433042399 } from './1795433042399-AddCampaignsDelivery';
import { AddLinkingRichMenus1795433063824 } from './1795433063824-AddLinkingRichMenus';
import { AddSegments1795433224523 } from './1795433224523-AddSegments';
import { SegmentsQueryIndexes1795433900000 } from './1795433900000-SegmentsQueryIndexes';
import { SegmentSnapshotMembersWithoutFks1795434820892 } from './1795434820892-SegmentSnapshotMembersWithoutFks';
import { SegmentsReachabilityIndexes1795435000000 } from './1795435000000-SegmentsReachabilityIndexes';
import { CompactDeliveryLedger1795435918226 } from './1795435918226-CompactDeliveryLedger';
import { DeliveryRecipientLedgerView1795435918300 } from './1795435918300-DeliveryRecipientLedgerView';
import { SegmentSnapshotMembersErasure1795436297873 } from './1795436297873-SegmentSnapshotMembersErasure';
import { EventsWithoutMemberFkPointsBalanceAt1796056883635 } from './1796056883635-EventsWithoutMemberFkPointsBalanceAt';
import { EventsMemberErasure1796056883700 } from './1796056883700-EventsMemberErasure';
import { DeliveryBatchRangeGuard1796056978246 } from './1796056978246-DeliveryBatchRangeGuard';
import { SegmentsMemberScanIndexes1796058393645 } from './1796058393645-SegmentsMemberScanIndexes';
import { SegmentSnapshotChunks1796100000000 } from './1796100000000-SegmentSnapshotChunks';
import { DeliveryArraysUncompressed1796100000100 } from './1796100000100-DeliveryArraysUncompressed';
import { DeliveryBatchRanges1796100000200 } from './1796100000200-DeliveryBatchRanges';
import { MaxItemNumberPlpgsql1796200000000 } from './1796200000000-MaxItemNumberPlpgsql';
import { MaxItemNumberLoop1796200000100 } from './1796200000100-MaxItemNumberLoop';
import { LineUsersRichMenuActualIndex1796300000000 } from './1796300000000-LineUsersRichMenuActualIndex';
import { CampaignRunsSendingIndex1796400000000 } from './1796400000000-CampaignRunsSendingIndex';
// <imports>

export const MIGRATIONS = [
  InitialSchema1795432294218,
  AddMembersEventsCatalog1795432789152,
  AddCampaignsDelivery1795433042399,
  AddLinkingRichMenus1795433063824,
  AddSegments1795433224523,
  SegmentsQueryIndexes1795433900000,
  SegmentSnapshotMembersWithoutFks1795434820892,
  SegmentsReachabilityIndexes1795435000000,
  CompactDeliveryLedger1795435918226,
  DeliveryRecipientLedgerView1795435918300,
  SegmentSnapshotMembersErasure1795436297873,
  EventsWithoutMemberFkPointsBalanceAt1796056883635,
  EventsMemberErasure1796056883700,
  DeliveryBatchRangeGuard1796056978246,
  SegmentsMemberScanIndexes1796058393645,
  SegmentSnapshotChunks1796100000000,
  DeliveryArraysUncompressed1796100000100,
  DeliveryBatchRanges1796100000200,
  MaxItemNumberPlpgsql1796200000000,
  MaxItemNumberLoop1796200000100,
  LineUsersRichMenuActualIndex1796300000000,
  CampaignRunsSendingIndex1796400000000,
  // <migrations>
];
