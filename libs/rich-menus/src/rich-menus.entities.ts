import { RichMenuRuleEntity } from './entities/rich-menu-rule.entity';
import { RichMenuEntity } from './entities/rich-menu.entity';

export const RICH_MENU_ENTITIES = [RichMenuEntity, RichMenuRuleEntity];
