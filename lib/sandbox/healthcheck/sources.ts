// Each running sandbox sends SLB's checks from its own slice of 127.100.64.0/24, so that two sandboxes on one machine
// (a running `slb-doctor sandbox` and `npm test`, or two test runs) never share source addresses and their ephemeral
// ports. A slice is claimed by listening on its first address at a fixed port: the kernel then refuses the same claim
// to any other process until this one releases it or exits. Nothing else binds fixed ports in 127.100.64.0/24
// (scenario endpoints may not live there), so the claim port never collides with a backend.
import { createServer, type Server } from 'node:net';
import { randomInt } from 'node:crypto';

/** Addresses per slice: 31 slices of 8 in 127.100.64.1–127.100.64.248. */
export const SOURCES_PER_SLICE = 8;
const SLICES = 31;
/** The claim port: below Linux's default ephemeral range (32768–60999), so no checker socket holds it by chance. */
export const CLAIM_PORT = 32_767;

export interface ClaimedSources {
  /** The checker's source addresses. */
  sourceIps: string[];
  /** False when every slice was taken and this sandbox shares the first one (checks still work; ports are shared). */
  exclusive: boolean;
  release(): Promise<void>;
}

export function sliceAddresses(slice: number): string[] {
  return Array.from({ length: SOURCES_PER_SLICE }, (_, index) => `127.100.64.${slice * SOURCES_PER_SLICE + index + 1}`);
}

/** Claims a free slice, trying them from a random one on; each attempt is one bind on loopback. */
export async function claimSourceSlice(): Promise<ClaimedSources> {
  const first = randomInt(SLICES);
  for (let step = 0; step < SLICES; step += 1) {
    const slice = (first + step) % SLICES;
    const sourceIps = sliceAddresses(slice);
    const claim = await listenOrNull(sourceIps[0] as string);
    if (claim) return { sourceIps, exclusive: true, release: () => new Promise<void>((resolve) => claim.close(() => resolve())) };
  }
  return { sourceIps: sliceAddresses(0), exclusive: false, release: () => Promise.resolve() };
}

function listenOrNull(host: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', () => resolve(null));
    server.listen({ host, port: CLAIM_PORT, exclusive: true }, () => {
      server.unref();
      resolve(server);
    });
  });
}
