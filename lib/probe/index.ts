// One prober per check type behind `Prober`, dispatched by `runProbe`.
export { runProbe } from './run';
export { probeHttp } from './http';
export { probeTcp } from './tcp';
export { probeTls } from './tls';
export { probeUdp, udpPayloadOf, DEFAULT_UDP_PAYLOAD } from './udp';
export { buildHttpRequest, parseResponseHead, codeClassOf, looksLikeTlsRecord, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './http-wire';
export { ProbeScheduler, backendKey, DEFAULT_PROBE_CONCURRENCY, type ProbeSchedulerOptions } from './scheduler';
