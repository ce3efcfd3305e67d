// Healthy for everyone except SLB's health-check source range, whose packets vanish: this stands for an iptables rule
// dropping 100.64.0.0/10. A classic BPF socket filter on the listening socket drops the SYNs (and anything else) from
// 127.100.64.0/24 inside the kernel, so those clients see a connect timeout exactly as behind a DROP rule.
import type * as net from 'node:net';
import { BackendConfigError, describeEndpoint, type Behaviour, type EndpointSpec, type StartContext } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';
import { listeningFd } from '../tcp-server';

/** 127.100.64.0/24, the sandbox's stand-in for 100.64.0.0/10. */
const BLOCKED_NETWORK = 0x7f644000;
const BLOCKED_MASK = 0xffffff00;

// argv: the number of shared listening sockets (fds 3, 4, …). Socket filters see the TCP header at offset 0;
// SKF_NET_OFF addresses the IP header instead (source address at byte 12). Attaches the filter to each and exits.
const FILTER_SCRIPT = `
import ctypes, socket, struct, sys
network, mask = ${BLOCKED_NETWORK}, ${BLOCKED_MASK}
SO_ATTACH_FILTER = 26
SKF_NET_OFF = -0x100000
def op(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)
program = b"".join([
    op(0x20, 0, 0, SKF_NET_OFF + 12),  # A = IPv4 source address
    op(0x54, 0, 0, mask),              # A &= mask
    op(0x15, 0, 1, network),           # A == network ? drop : keep
    op(0x06, 0, 0, 0),                 # drop
    op(0x06, 0, 0, 0xFFFFFFFF),        # keep the whole packet
])
code = ctypes.create_string_buffer(program, len(program))
fprog = struct.pack("HL", len(program) // 8, ctypes.addressof(code))
for fd in range(3, 3 + int(sys.argv[1])):
    socket.socket(fileno=fd).setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
print("ready", flush=True)
`;

export const slbSourceBlocked: Behaviour = {
  protocol: 'tcp',
  start: (spec: EndpointSpec, context: StartContext) =>
    serveHttp(spec, () => ok(), { afterListen: (server) => dropSlbSources(spec, server, context) }),
};

async function dropSlbSources(spec: EndpointSpec, server: net.Server, context: StartContext): Promise<void> {
  const fd = listeningFd(server);
  if (fd === undefined) {
    throw new BackendConfigError(`${describeEndpoint(spec)}: cannot reach the listening socket to attach the source filter on this Node.js build`);
  }
  // The helper sets the filter on the sockets we share with it and exits; nothing is left running.
  await context.python(FILTER_SCRIPT).join({ args: [], fd, purpose: `${describeEndpoint(spec)}: attaching the 127.100.64.0/24 drop filter` });
}
