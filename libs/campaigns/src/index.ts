export * from './entities/campaign.entity';
export * from './entities/campaign-run.entity';
export * from './entities/delivery-batch.entity';
export * from './entities/delivery-request.entity';
export * from './entities/delivery-ledger.entity';
export * from './entities/channel-delivery-settings.entity';
export * from './campaigns.entities';
