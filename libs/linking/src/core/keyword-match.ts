export interface KeywordCandidate {
  keyword: string;
  match: 'exact' | 'contains';
  enabled: boolean;
  position: number;
}

/** Full-width/half-width and case differences should not matter to a user typing a keyword. */
export const normalizeKeyword = (text: string): string => text.normalize('NFKC').trim().toLowerCase();

/** The first enabled rule (by position) whose keyword matches the message text. */
export function matchKeyword<R extends KeywordCandidate>(rules: R[], text: string): R | null {
  const message = normalizeKeyword(text);
  if (message === '') return null;
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  for (const rule of ordered) {
    if (!rule.enabled) continue;
    const keyword = normalizeKeyword(rule.keyword);
    if (keyword === '') continue;
    if (rule.match === 'exact' ? message === keyword : message.includes(keyword)) return rule;
  }
  return null;
}
