/** One line of `lianbao doctor`'s report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** passes, but the operator should act soon (printed WARN; `doctor` still exits 0) */
  warn?: boolean;
}

/** What a failed connection's code means, for the operator reading `doctor`. */
const CONNECTION_CAUSES: Record<string, string> = {
  ECONNREFUSED: '对方拒绝连接：地址或端口上没有服务在听',
  ENOTFOUND: '域名解析失败：检查域名拼写和本机的 DNS',
  EAI_AGAIN: '域名解析暂时失败：本机的 DNS 没有回答',
  ETIMEDOUT: '连接超时：检查防火墙和出网代理',
  UND_ERR_CONNECT_TIMEOUT: '连接超时：检查防火墙和出网代理',
  ECONNRESET: '连接被对方断开',
  EHOSTUNREACH: '主机不可达：检查网络和路由',
  ENETUNREACH: '网络不可达：本机可能不能访问外网',
  CERT_HAS_EXPIRED: '对方的 HTTPS 证书已过期',
  DEPTH_ZERO_SELF_SIGNED_CERT: '对方的 HTTPS 证书是自签名的',
  SELF_SIGNED_CERT_IN_CHAIN: '对方的 HTTPS 证书链里有自签名证书（常见于拦截 HTTPS 的代理）',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: '无法验证对方的 HTTPS 证书',
  ERR_TLS_CERT_ALTNAME_INVALID: '对方的 HTTPS 证书与域名不符',
};

/**
 * Why a request did not get through, in Chinese, with the system's own code in parentheses:
 * `连接不上：对方拒绝连接：…（ECONNREFUSED）`. Node's fetch says only "fetch failed"; the reason is
 * on its `cause`.
 */
export function connectionProblem(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `${timeoutMs / 1000} 秒内没有回答`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  // The fetch standard blocks some ports (9, 25, 6000 …) outright, before connecting: "bad port".
  if (message === 'bad port') return '连接不上：端口不对，这个端口不能用于 HTTP 请求，请检查地址里的端口（bad port）';
  return connectionCode(typeof code === 'string' ? code : undefined, message);
}

/** `连接不上：<why>（<code>）` for a connection that failed with a system error code (the message where there is none). */
export function connectionCode(code: string | undefined, message: string): string {
  const known = code === undefined ? undefined : CONNECTION_CAUSES[code];
  return `连接不上：${known ?? message}（${code ?? message}）`;
}
