/** What a channel without its own settings says (Japanese, as its users are). */
export const DEFAULT_TEXTS = {
  greeting: '友だち追加ありがとうございます！',
  invitation: '会員IDと連携すると、ポイント残高の確認や会員限定のお知らせを受け取れます。',
  inviteButton: '会員連携する',
  loginPrompt: '下のボタンからログインして会員連携を完了してください（10分間有効）。',
  loginButton: 'ログインして連携',
  linked:
    '会員連携が完了しました。連携を解除するには、メニューの「連携解除」をタップするか「連携解除」と送信してください。',
  unlinked: '会員連携を解除しました。',
  alreadyLinked: 'すでに会員連携済みです。連携を解除するには「連携解除」と送信してください。',
  notLinked: 'まだ会員連携されていません。「会員連携」と送信すると連携できます。',
  memberCard:
    '【会員証】\n会員番号: {{ member.externalId }}\nランク: {{ member.membershipTier | default: "-" }}\nポイント: {{ member.pointsBalance | default: 0 }}pt',
} as const;

/** Keywords every channel understands after its own rules, so that users can always unlink. */
export const BUILT_IN_KEYWORDS = [
  { keyword: '連携解除', action: 'unlink' as const },
  { keyword: '会員連携', action: 'link' as const },
  { keyword: '会員証', action: 'member_card' as const },
];

export interface EffectiveLinkingSettings {
  greetingText: string;
  inviteOnFollow: boolean;
  invitationText: string;
  loginUrl: string;
  sendLinkedConfirmation: boolean;
  linkedText: string;
  unlinkedText: string;
  memberCardTemplate: string;
  lineLoginChannelId: string | null;
  lineLoginChannelSecret: string | null;
}
