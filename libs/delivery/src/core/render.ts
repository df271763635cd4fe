import { Liquid, Template } from 'liquidjs';

/** A LINE message object (text, image, flex, template, …), as the Messaging API takes it. */
export type LineMessage = Record<string, unknown> & { type: string };

/** What a template may read about a member: a whitelist, never the whole row. */
export interface MemberRenderFields {
  externalId: string;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  points?: number | null;
  tier?: string | null;
  birthDate?: string | null;
  attributes?: Record<string, unknown> | null;
}

const FORBIDDEN_TAGS = /\{%-?\s*(include|render|layout|block)\b/;
const TEMPLATE_MARK = /\{\{|\{%/;

/** True when any string inside the messages holds a Liquid expression or tag. */
export const isPersonalised = (messages: LineMessage[]): boolean => TEMPLATE_MARK.test(JSON.stringify(messages));

export interface TemplateProblem {
  field: string;
  reason: string;
}

/**
 * Renders message templates with liquidjs. Templates are parsed once per string and cached, so a
 * campaign to millions renders each member in microseconds. Files are never read (no include,
 * render or layout), unknown filters are errors, and a missing variable renders empty, which is
 * what `{{ member.firstName | default: "お客様" }}` turns into the marketer's default.
 */
export class MessageRenderer {
  private readonly liquid = new Liquid({
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    cache: false,
    relativeReference: false,
  });
  private readonly parsed = new Map<string, Template[]>();

  /** Problems of the messages' templates (for the API's 400), empty when they are fine. */
  validate(messages: LineMessage[], prefix = 'messages'): TemplateProblem[] {
    const problems: TemplateProblem[] = [];
    const visit = (value: unknown, path: string): void => {
      if (typeof value === 'string') {
        if (!TEMPLATE_MARK.test(value)) return;
        if (FORBIDDEN_TAGS.test(value)) {
          problems.push({ field: path, reason: 'include, render, layout and block tags are not allowed' });
          return;
        }
        try {
          this.template(value);
        } catch (e) {
          problems.push({ field: path, reason: `invalid template: ${(e as Error).message.split('\n')[0]}` });
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${path}[${i}]`));
      } else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
      }
    };
    messages.forEach((m, i) => visit(m, `${prefix}[${i}]`));
    return problems;
  }

  /** The messages with every template string rendered for one member. */
  render(messages: LineMessage[], member: MemberRenderFields): LineMessage[] {
    const scope = { member: memberScope(member) };
    const visit = (value: unknown): unknown => {
      if (typeof value === 'string') {
        if (!TEMPLATE_MARK.test(value)) return value;
        return this.liquid.renderSync(this.template(value), scope) as string;
      }
      if (Array.isArray(value)) return value.map(visit);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
      }
      return value;
    };
    return messages.map((m) => visit(m) as LineMessage);
  }

  private template(text: string): Template[] {
    let t = this.parsed.get(text);
    if (t === undefined) {
      if (FORBIDDEN_TAGS.test(text)) throw new Error('include, render, layout and block tags are not allowed');
      t = this.liquid.parse(text);
      // A long-lived worker sees every campaign's templates: keep the cache bounded.
      if (this.parsed.size >= 1_000) this.parsed.clear();
      this.parsed.set(text, t);
    }
    return t;
  }
}

/** Custom attributes are reachable both as `member.attributes.x` and, when no field shadows them, `member.x`. */
function memberScope(m: MemberRenderFields): Record<string, unknown> {
  const attributes = m.attributes ?? {};
  return {
    ...attributes,
    externalId: m.externalId,
    firstName: m.firstName ?? undefined,
    lastName: m.lastName ?? undefined,
    displayName: m.displayName ?? undefined,
    points: m.points ?? undefined,
    tier: m.tier ?? undefined,
    birthDate: m.birthDate ?? undefined,
    attributes,
  };
}
