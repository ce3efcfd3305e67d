# A TCP port whose handshake never completes: listen(0), never accept, and fill the accept queue ourselves, so the
# kernel drops every further SYN and clients see a connect timeout. Prints the port, then lives until stdin closes
# or the lifetime (seconds, argv[2]) ends, whichever is first.
import select
import socket
import sys
import time

ip, lifetime = sys.argv[1], float(sys.argv[2])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind((ip, 0))
listener.listen(0)
fillers = []
for _ in range(3):
    filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    filler.setblocking(False)
    try:
        filler.connect(listener.getsockname())
    except BlockingIOError:
        pass
    fillers.append(filler)
time.sleep(0.2)
print(listener.getsockname()[1], flush=True)
deadline = time.time() + lifetime
while time.time() < deadline:
    readable, _, _ = select.select([sys.stdin], [], [], max(0.0, deadline - time.time()))
    if readable and sys.stdin.read(1) == '':
        break
