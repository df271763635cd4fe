import { CampaignEntity } from './entities/campaign.entity';
import { CampaignRunEntity } from './entities/campaign-run.entity';
import { ChannelDeliverySettingsEntity } from './entities/channel-delivery-settings.entity';
import { DeliveryBatchEntity } from './entities/delivery-batch.entity';
import { DeliveryBatchRangeEntity } from './entities/delivery-batch-range.entity';
import { DeliveryLedgerEntity } from './entities/delivery-ledger.entity';
import { DeliveryRequestEntity } from './entities/delivery-request.entity';

export const CAMPAIGN_ENTITIES = [
  CampaignEntity,
  CampaignRunEntity,
  DeliveryBatchEntity,
  DeliveryBatchRangeEntity,
  DeliveryRequestEntity,
  DeliveryLedgerEntity,
  ChannelDeliverySettingsEntity,
];
