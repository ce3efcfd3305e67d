// The host facts other than the firewall, read from the script's sections: interface, rp_filter, routes, listeners,
// local replay, load and security software.
import type { HostFacts, HostReplay } from './types';

export function sysctlValues(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/** The interface that holds the backend IP, from `ip -o addr show` (the script also says it in sysctl's iface=). */
export function interfaceHolding(addrBody: string, ip: string): string | null {
  for (const line of addrBody.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
    if (m && m[2] === ip) return (m[1] as string).replace(/@.*$/, '');
  }
  return null;
}

function numberOrNull(value: string | undefined): number | null {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : null;
}

export function rpFilter(sysctl: Map<string, string>, iface: string | null): HostFacts['rpFilter'] {
  const all = numberOrNull(sysctl.get('net/ipv4/conf/all/rp_filter'));
  const dflt = numberOrNull(sysctl.get('net/ipv4/conf/default/rp_filter'));
  const own = iface === null ? null : numberOrNull(sysctl.get(`net/ipv4/conf/${iface.replace(/\./g, '/')}/rp_filter`) ?? sysctl.get(`net/ipv4/conf/${iface}/rp_filter`));
  // The kernel uses the higher of conf/all and conf/<interface> (Documentation/networking/ip-sysctl.rst, rp_filter).
  const effective = all === null && own === null ? null : Math.max(all ?? 0, own ?? 0);
  return { all, default: dflt, interface: own, effective };
}

export interface RouteFacts {
  routes: HostFacts['routes'];
  /** The kernel's reverse-path answer for a check arriving on the interface: null when not asked. */
  reversePath: { ok: boolean; raw: string } | null;
  rules: string[];
  /** Routes inside 100.64.0.0/10 in any table (`ip -4 route show table all`), e.g. Tailscale's peers in table 52. */
  slbRoutes: { prefix: string; type: string; device: string | null; table: string; raw: string }[];
}

export function parseRoutes(body: string): RouteFacts {
  const facts: RouteFacts = { routes: [], reversePath: null, rules: [], slbRoutes: [] };
  for (const line of body.split('\n')) {
    const get = /^get (\S+) (.*)$/.exec(line);
    if (get) {
      const raw = (get[2] as string).trim();
      facts.routes.push({
        destination: get[1] as string,
        device: /\bdev (\S+)/.exec(raw)?.[1] ?? null,
        via: /\bvia (\S+)/.exec(raw)?.[1] ?? null,
        table: /\btable (\S+)/.exec(raw)?.[1] ?? null,
        raw,
      });
      continue;
    }
    const rpf = /^rpf (\S+) (.*)$/.exec(line);
    if (rpf) {
      const raw = (rpf[2] as string).trim();
      facts.reversePath = { ok: /\bdev \S+/.test(raw) && !/RTNETLINK|[Ee]rror|Invalid/.test(raw), raw };
      continue;
    }
    if (line.startsWith('rule ')) facts.rules.push(line.slice(5).trim());
    const route = /^route4 (?:(unicast|throw|blackhole|unreachable|prohibit) )?(\S+)(.*)$/.exec(line);
    if (route) {
      const rest = route[3] as string;
      facts.slbRoutes.push({ prefix: route[2] as string, type: route[1] ?? 'unicast', device: /\bdev (\S+)/.exec(rest)?.[1] ?? null, table: /\btable (\S+)/.exec(rest)?.[1] ?? 'main', raw: line.slice(7) });
    }
  }
  return facts;
}

export interface Listener {
  address: string;
  port: number;
  process: string | null;
}

function hexIpv4(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes.reverse().map((b) => parseInt(b, 16)).join('.');
}

function hexIpv6(hex: string): string {
  const words = (hex.match(/.{8}/g) ?? []).map((w) => (w.match(/../g) ?? []).reverse().join(''));
  const joined = words.join('');
  if (/^0{20}ffff/i.test(joined)) return `::ffff:${hexIpv4(joined.slice(24).match(/../g)?.reverse().join('') ?? '')}`;
  if (/^0+$/.test(joined)) return '::';
  if (/^0{31}1$/.test(joined)) return '::1';
  return (joined.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** `ss -Hltnp` lines, or /proc/net/tcp[6] lines with the inode → process lines of the fallback. */
export function parseListeners(body: string): Listener[] {
  const lines = body.split('\n');
  const tool = lines[0]?.trim();
  const out: Listener[] = [];
  if (tool === 'tool=proc') {
    const processes = new Map<string, string>();
    for (const line of lines) {
      const m = /^inode=(\d+) pid=(\d+) comm=(.*)$/.exec(line);
      if (m) processes.set(m[1] as string, `${m[3] || '?'} (pid ${m[2]})`);
    }
    for (const line of lines) {
      const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4}) (\d+)$/.exec(line.trim());
      if (!m) continue;
      const hex = m[1] as string;
      out.push({ address: hex.length === 8 ? hexIpv4(hex) : hexIpv6(hex), port: parseInt(m[2] as string, 16), process: processes.get(m[3] as string) ?? null });
    }
    return out;
  }
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const local = fields[3] as string;
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const address = local.slice(0, colon).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const port = Number(local.slice(colon + 1));
    const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    out.push({ address, port, process: users ? `${users[1]} (pid ${users[2]})` : null });
  }
  return out;
}

/** True when a listener on this address accepts connections to the backend IP (IPv4-mapped for [::] sockets). */
export function listenerCovers(address: string, backendIp: string): boolean {
  return address === '0.0.0.0' || address === '*' || address === '::' || address === backendIp || address === `::ffff:${backendIp}`;
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

const CURL_OUTCOME: Record<number, string> = { 7: 'refused', 28: 'timeout', 52: 'closed', 56: 'reset', 1: 'not_http', 8: 'not_http', 35: 'not_http' };

export function parseReplays(body: string, protocol: 'http' | 'tcp' | 'udp'): HostReplay[] {
  const replays: HostReplay[] = [];
  let current: (HostReplay & { rc: number; error: string | null }) | null = null;
  const finish = (): void => {
    if (!current) return;
    const { rc, error, ...replay } = current;
    replay.outcome = outcomeOf(replay, rc, error, protocol);
    replays.push(replay);
    current = null;
  };
  for (const line of body.split('\n')) {
    const head = /^replay target=(\S+) tool=(\S+) rc=(\d+) ms=(\d+)/.exec(line);
    if (head) {
      finish();
      current = { target: head[1] as string, tool: head[2] === 'curl' ? 'curl' : head[2] === 'bash' ? 'bash' : 'none', status: null, outcome: 'error', ms: Number(head[4]), firstLine: null, rc: Number(head[3]), error: null };
      continue;
    }
    if (!current) continue;
    if (line.startsWith('line ') && current.firstLine === null) {
      current.firstLine = line.slice(5).replace(/[^\x20-\x7e]/g, '.');
      const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\b/.exec(current.firstLine);
      current.status = status ? Number(status[1]) : null;
    } else if (line.startsWith('err ') && current.error === null) current.error = line.slice(4);
  }
  finish();
  return replays;
}

function outcomeOf(replay: HostReplay, rc: number, error: string | null, protocol: 'http' | 'tcp' | 'udp'): string {
  const text = error ?? '';
  if (rc === 124 || rc === 137 || /timed out/i.test(text)) return 'timeout';
  if (/refused/i.test(text)) return protocol === 'udp' ? 'udp_port_unreachable' : 'refused';
  if (/reset by peer/i.test(text)) return 'reset';
  if (replay.tool === 'curl' && rc !== 0) return CURL_OUTCOME[rc] ?? 'error';
  if (protocol === 'tcp') return rc === 0 ? 'connected' : 'error';
  // bash's `read -t` ends with a status above 128 when nothing came back in time.
  if (protocol === 'udp') return replay.firstLine !== null ? 'udp_reply' : rc === 0 || rc === 1 || rc > 128 ? 'udp_no_reply' : 'error';
  if (replay.status !== null) return 'http';
  if (replay.firstLine !== null) return 'not_http';
  return rc === 0 || rc === 1 ? 'closed' : 'error';
}

export function parseLoad(body: string): HostFacts['load'] {
  const load: HostFacts['load'] = { loadavg1: null, cpus: null, listenOverflows: null, listenDrops: null };
  for (const line of body.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === 'loadavg' && value && !Number.isNaN(Number(value))) load.loadavg1 = Number(value);
    if (key === 'cpus' && value && /^\d+$/.test(value)) load.cpus = Number(value);
    if (key === 'ListenOverflows' && value && /^\d+$/.test(value)) load.listenOverflows = Number(value);
    if (key === 'ListenDrops' && value && /^\d+$/.test(value)) load.listenDrops = Number(value);
  }
  return load;
}

export function parseSoftware(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const m = /^(process|file) (.+)$/.exec(line.trim());
    if (!m) continue;
    const value = m[2] as string;
    if (m[1] === 'process') out.push(value);
    else if (/ufw\.conf/.test(value)) {
      if (/ENABLED=yes/i.test(value)) out.push('ufw (enabled)');
    } else out.push(`${value} present`);
  }
  return [...new Set(out)];
}
