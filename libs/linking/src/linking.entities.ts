import { FriendshipEventEntity } from './entities/friendship-event.entity';
import { KeywordRuleEntity } from './entities/keyword-rule.entity';
import { LineUserEntity } from './entities/line-user.entity';
import { LinkHistoryEntity } from './entities/link-history.entity';
import { LinkNonceEntity } from './entities/link-nonce.entity';
import { LinkTokenEntity } from './entities/link-token.entity';
import { LinkingSettingsEntity } from './entities/linking-settings.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';

export const LINKING_ENTITIES = [
  LineUserEntity,
  FriendshipEventEntity,
  WebhookEventEntity,
  LinkTokenEntity,
  LinkNonceEntity,
  LinkHistoryEntity,
  LinkingSettingsEntity,
  KeywordRuleEntity,
];
