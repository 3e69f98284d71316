import { html, type Html } from './html.js';

export type Section = 'ledger' | 'figures' | 'meeting' | 'visits';

const NAV: { key: Section; href: string; label: string }[] = [
  { key: 'ledger', href: '/dashboard', label: '台账' },
  { key: 'figures', href: '/dashboard/figures', label: '统计' },
  { key: 'meeting', href: '/dashboard/meeting', label: '会商' },
  { key: 'visits', href: '/dashboard/visits', label: '走访日志' },
];

function shell(title: string, header: Html, body: Html): string {
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · 联保</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body class="dashboard">
${header}
<main class="dash">
${body}
</main>
</body>
</html>
`.value;
}

/**
 * A signed-in page: the header with the sections, who is signed in (a shared office computer
 * should say whose session it is) and 退出, then the page's own content.
 */
export function page(o: { title: string; section: Section | null; body: Html; who?: string }): string {
  const nav = NAV.map(
    (n) => html`<a href="${n.href}"${n.key === o.section ? html` aria-current="page"` : ''}>${n.label}</a>`,
  );
  const header = html`<header class="site-header dash-header">
  <h1><a class="home" href="/dashboard">联保 · 工作台账</a></h1>
  <nav class="dash-nav" aria-label="栏目">${nav}</nav>
  <form class="header-end" method="post" action="/dashboard/logout">${o.who ? html`<span class="who" id="who">${o.who}</span> ` : ''}<button class="secondary small" type="submit">退出</button></form>
</header>`;
  return shell(o.title, header, o.body);
}

/** A page for a problem (bad filter, unknown ticket): what happened and the way back. */
export function problemPage(title: string, message: string, who?: string): string {
  return page({
    title,
    section: null,
    who,
    body: html`<section class="panel"><div class="panel-body"><h2>${title}</h2><p>${message}</p><p><a href="/dashboard">返回台账</a></p></div></section>`,
  });
}

const publicHeader = html`<header class="site-header"><h1>联保 · 工作台账</h1><p class="tagline">工单台账、统计、会商议程和走访日志（只读）</p></header>`;

/**
 * A sign-in link's page (SPEC §11): opening the link only shows it, so that a chat app fetching the
 * link for a preview signs nobody in; the button posts it back, and only that uses the link.
 */
export function linkPage(o: { name: string; action: string; error?: string }): string {
  const body = html`<section class="panel login" aria-labelledby="link-title">
  <div class="panel-head"><h2 id="link-title">${o.name ? html`以 ${o.name} 的身份登录` : '登录工作台账'}</h2></div>
  <form class="panel-body" method="post" action="${o.action}">
    ${o.error ? html`<p class="error-text" role="alert" id="link-error">${o.error}</p>` : ''}
    <p>这是您在聊天中获取的一次性登录链接。点“登录”后即可查看工作台账，链接随即失效。</p>
    <button type="submit" id="link-submit">登录</button>
    <p class="muted small-print">登录后本浏览器保持登录 30 天，点“退出”即注销；您的权限变更时登录自动结束。</p>
  </form>
</section>`;
  return shell('登录', publicHeader, body);
}

/** A page for someone not signed in: why a sign-in link or a session did not work, and what would. */
export function signedOutProblemPage(title: string, message: string): string {
  const body = html`<section class="panel login"><div class="panel-body"><h2 id="problem-title">${title}</h2><p id="problem-message">${message}</p></div></section>`;
  return shell(title, publicHeader, body);
}

/** The sign-in form; `next` is where to go afterwards, `error` why the last try failed. */
export function loginPage(o: { next: string; error?: string }): string {
  const header = publicHeader;
  const body = html`<section class="panel login" aria-labelledby="login-title">
  <div class="panel-head"><h2 id="login-title">请输入管理口令</h2></div>
  <form class="panel-body" method="post" action="/dashboard/login">
    <label for="token">管理口令（服务器的 ADMIN_TOKEN）</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${o.next}">
    ${o.error ? html`<p class="error-text" role="alert" id="login-error">${o.error}</p>` : ''}
    <button type="submit" id="login-submit">登录</button>
    <p class="muted small-print">口令只需输入一次：登录后本浏览器保持登录 30 天，点“退出”即注销。</p>
  </form>
</section>`;
  return shell('登录', header, body);
}
