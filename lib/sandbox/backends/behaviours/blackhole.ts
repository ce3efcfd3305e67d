// The TCP handshake never completes: a listener with a full accept queue that never accepts. The kernel then drops
// every new SYN, so clients see a genuine connect timeout. Node always accepts, hence a python3 helper, which holds
// every blackhole listener started together.
import { describeEndpoint, type Behaviour, type EndpointSpec, type RunningBackend, type StartContext } from '../behaviour';

// argv: fd count (unused), then ip port pairs. Exits when our stdin closes, or after a day at the latest.
const SCRIPT = `
import select, socket, sys
held = []
pairs = sys.argv[2:]
for ip, port in zip(pairs[0::2], pairs[1::2]):
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((ip, int(port)))
        listener.listen(0)
        # Backlog 0 still queues one connection. Queue one ourselves and never accept: every later SYN is dropped.
        filler = socket.create_connection((ip, int(port)), timeout=5)
    except OSError as error:
        sys.exit(f"{ip}:{port}: {error}")
    held += [listener, filler]
print("ready", flush=True)
select.select([sys.stdin], [], [], 86400)
`;

export const blackhole: Behaviour = {
  protocol: 'tcp',
  async start(spec: EndpointSpec, context: StartContext): Promise<RunningBackend> {
    const release = await context.python(SCRIPT).join({ args: [spec.ip, String(spec.port)], purpose: describeEndpoint(spec) });
    return { address: `tcp://${spec.ip}:${spec.port}`, stop: release };
  },
};
