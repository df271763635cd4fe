import type { MemberRef } from '@app/members';
import { Liquid } from 'liquidjs';

/** The member fields a reply template may use, as `{{ member.pointsBalance }}` etc.: never the internal id. */
export type TemplateMember = Omit<MemberRef, 'id'>;

export const toTemplateMember = ({ id: _id, ...member }: MemberRef): TemplateMember => member;

export interface TemplateContext {
  member: TemplateMember | null;
  user: { displayName: string | null };
}

/** Text messages are capped at 5,000 characters by LINE. */
const MAX_TEXT = 5_000;

// No HTML escaping (LINE text is plain) and no file system access; limits keep a template from
// becoming a denial of service.
const engine = new Liquid({
  outputEscape: undefined,
  strictFilters: true,
  strictVariables: false,
  relativeReference: false,
  parseLimit: 20_000,
  renderLimit: 200,
  memoryLimit: 1_000_000,
});

/** Parses a template; throws with a readable message when it is not valid Liquid. */
export function checkTemplate(template: string): void {
  engine.parse(template);
}

export async function renderTemplate(template: string, context: TemplateContext): Promise<string> {
  const text = String(await engine.parseAndRender(template, context)).trim();
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}
