import { TimeContext } from './rule-time';
import { CustomAttributeTypes } from './schema-map';
import { Rule } from './rule.types';

export interface EvaluateContext extends TimeContext {
  channelId: string;
  segments?: ReadonlyMap<string, Rule>;
  customTypes?: CustomAttributeTypes;
}
