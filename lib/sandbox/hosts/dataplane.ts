// The data-plane side of a sandbox host's declared firewall: which of SLB's checker sources each TCP endpoint of the
// host drops or rejects, and the kernel mechanism that makes it so. A classic BPF socket filter on the listening
// socket drops every packet from the affected sources (they see a connect timeout, as behind DROP); for REJECT a raw
// socket answers their SYN with a RST (they see "connection refused", as behind REJECT --reject-with tcp-reset),
// which needs CAP_NET_RAW: without it a REJECT rule is emulated as DROP, and `rejectEmulated` says so.
// A declared reply route away from the interface the checks arrive on (a VPN, a second NIC) loses every answer: all
// checker sources are dropped.
import type * as net from 'node:net';
import { BackendConfigError, describeEndpoint, type EndpointSpec, type StartContext } from '../backends/behaviour';
import { listeningFd } from '../backends/tcp-server';
import type { Scenario } from '../scenario/types';
import { parseIpsetSave, parseIptablesSave, parseIpv4, type Firewall } from './iptables';

/** SLB's checker source 127.100.64.K stands for 100.64.0.K in the declared rules. */
const STAND_IN = { network: 0x7f644000, mask: 0xffffff00, real: 0x64400000 };
/** An ephemeral source port, as SLB's checker uses (declared rules matching --sport see this one). */
const CHECKER_SOURCE_PORT = 40000;
/** Checks arrive on lo in the sandbox: every address is a loopback address. */
const SANDBOX_INTERFACE = 'lo';

export interface SourceVerdicts {
  /** Checker source addresses (127.100.64.K) whose packets vanish. */
  drop: string[];
  /** Checker source addresses whose SYN gets a RST. */
  reject: string[];
}

/** The real address a checker source stands for, or null for a source outside the stand-in range. */
export function realSlbSource(sandboxSource: string): number | null {
  const address = parseIpv4(sandboxSource);
  if (address === null || ((address & STAND_IN.mask) >>> 0) !== STAND_IN.network) return null;
  return (STAND_IN.real + (address & 0xff)) >>> 0;
}

/** Per `ip:port` of every TCP endpoint on a host with a declared firewall or reply route: the sources it refuses. */
export function hostSourceVerdicts(scenario: Scenario, checkerSources: readonly string[]): Map<string, SourceVerdicts> {
  const verdicts = new Map<string, SourceVerdicts>();
  for (const instance of scenario.instances) {
    const host = instance.host;
    if (!host?.firewall?.iptables && !host?.replyRoute) continue;
    const firewall: Firewall | null = host.firewall?.iptables ? parseIptablesSave(host.firewall.iptables, parseIpsetSave(host.firewall.ipset ?? '')) : null;
    const destination = parseIpv4(instance.privateIp) ?? 0;
    for (const endpoint of scenario.endpoints) {
      if (endpoint.ip !== instance.privateIp || (endpoint.protocol ?? 'tcp') !== 'tcp') continue;
      const result: SourceVerdicts = { drop: [], reject: [] };
      for (const source of checkerSources) {
        const real = realSlbSource(source);
        if (real === null) continue;
        if (host.replyRoute) {
          result.drop.push(source);
          continue;
        }
        const verdict = firewall?.verdict({ source: real, destination, destinationPort: endpoint.port, sourcePort: CHECKER_SOURCE_PORT, inInterface: SANDBOX_INTERFACE }) ?? 'accept';
        if (verdict === 'drop') result.drop.push(source);
        if (verdict === 'reject') result.reject.push(source);
      }
      if (result.drop.length > 0 || result.reject.length > 0) verdicts.set(`${endpoint.ip}:${endpoint.port}`, result);
    }
  }
  return verdicts;
}

/** True when this process may open raw sockets (root): REJECT is then a real RST, else emulated as DROP. */
export function canAnswerWithReset(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

// argv: the number of shared listening sockets (fds 3, 4, …), then one spec per socket: "DST_IP:PORT:DROP:RESET"
// with comma-separated 32-bit source addresses. Each listening socket gets a filter dropping DROP ∪ RESET (socket
// filters see the TCP header at offset 0; SKF_NET_OFF addresses the IP header, source at byte 12). When some spec
// has RESET sources, a raw socket (filtered to those sources in the kernel) answers their SYNs with RST|ACK until
// our stdin closes; otherwise the helper exits once the filters are set.
const FIREWALL_SCRIPT = `
import ctypes, os, select, socket, struct, sys
SO_ATTACH_FILTER = 26
SKF_NET_OFF = -0x100000
def op(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)
def source_filter(addresses, offset, keep_listed):
    n = len(addresses)
    ins = [op(0x20, 0, 0, offset + 12)]
    for i, address in enumerate(addresses):
        ins.append(op(0x15, n - i, 0, address))
    listed, other = (0xFFFFFFFF, 0) if keep_listed else (0, 0xFFFFFFFF)
    ins.append(op(0x06, 0, 0, other))
    ins.append(op(0x06, 0, 0, listed))
    code = b"".join(ins)
    buffer = ctypes.create_string_buffer(code, len(code))
    return buffer, struct.pack("HL", len(code) // 8, ctypes.addressof(buffer))
keep = []
resets = {}
count = int(sys.argv[1])
for index in range(count):
    dst, port, drop, reset = sys.argv[2 + index].split(":")
    drop = [int(a) for a in drop.split(",") if a]
    reset = [int(a) for a in reset.split(",") if a]
    buffer, prog = source_filter(drop + reset, SKF_NET_OFF, False)
    keep.append(buffer)
    socket.socket(fileno=3 + index).setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    for address in reset:
        resets.setdefault((socket.inet_aton(dst), int(port)), set()).add(address)
if not resets:
    print("ready", flush=True)
    sys.exit(0)
def checksum(data):
    if len(data) % 2:
        data += b"\\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
listen = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
sources = sorted(set().union(*resets.values()))
buffer, prog = source_filter(sources, 0, True)
keep.append(buffer)
listen.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
print("ready", flush=True)
while True:
    ready, _, _ = select.select([listen, sys.stdin], [], [])
    if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
        break
    if listen not in ready:
        continue
    packet = listen.recv(65535)
    ihl = (packet[0] & 0x0F) * 4
    src, dst = packet[12:16], packet[16:20]
    sport, dport, seq = struct.unpack("!HHI", packet[ihl:ihl + 8])
    flags = packet[ihl + 13]
    if flags & 0x02 == 0 or flags & 0x10:
        continue
    if struct.unpack("!I", src)[0] not in resets.get((dst, dport), ()):
        continue
    tcp = struct.pack("!HHIIBBHHH", dport, sport, 0, (seq + 1) & 0xFFFFFFFF, 5 << 4, 0x14, 0, 0, 0)
    pseudo = dst + src + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, socket.IPPROTO_TCP, 0, dst, src)
    send.sendto(ip + tcp, (socket.inet_ntoa(src), 0))
`;

/** Sets the declared firewall's effect on one listening socket (through the batched python3 helper). */
export async function applySourceVerdicts(spec: EndpointSpec, server: net.Server, verdicts: SourceVerdicts, context: StartContext): Promise<void> {
  const fd = listeningFd(server);
  if (fd === undefined) {
    throw new BackendConfigError(`${describeEndpoint(spec)}: cannot reach the listening socket to apply the host firewall on this Node.js build`);
  }
  const numbers = (addresses: string[]): string => addresses.map((address) => String(parseIpv4(address) ?? 0)).join(',');
  const reset = canAnswerWithReset() ? verdicts.reject : [];
  const drop = canAnswerWithReset() ? verdicts.drop : [...verdicts.drop, ...verdicts.reject];
  const release = await context.python(FIREWALL_SCRIPT).join({
    args: [`${spec.ip}:${spec.port}:${numbers(drop)}:${numbers(reset)}`],
    fd,
    purpose: `${describeEndpoint(spec)}: applying the host firewall to SLB's checker sources`,
  });
  server.once('close', () => void release());
}
