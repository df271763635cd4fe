const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The reference login page: what a company's page must collect before asking for a nonce. */
export function loginPageHtml(linkToken: string, error?: string): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>会員ログイン（連携）</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;font-size:1rem}button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00}</style>
</head><body>
<h1>LINEアカウントと会員IDの連携</h1>
<p>会員IDでログインすると、LINEの連携確認画面に移動します。</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/link/login">
<input type="hidden" name="linkToken" value="${escape(linkToken)}">
<label for="externalId">会員ID</label><input id="externalId" name="externalId" autocomplete="username" required>
<label for="password">パスワード</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">ログインして連携</button>
</form>
<p><small>Reference page of LINE Segment Engine: it accepts any password. Disable it in production
(LINK_LOGIN_PAGE_ENABLED=false) and use your own login, see docs/linking.md.</small></p>
</body></html>`;
}
