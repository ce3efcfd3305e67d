// One prober per check type behind `Prober`, dispatched by `runProbe`; the evidence for one backend (SLB's check
// replayed, then the variants that can change the verdict), which also runs inside the VPC probe function.
export { runProbe } from './run';
export { probeHttp, probeHttpExtendable, type ExtendableHttpProbe } from './http';
export { probeTcp } from './tcp';
export { probeTls } from './tls';
export { probeUdp, udpPayloadOf, DEFAULT_UDP_PAYLOAD } from './udp';
export { buildHttpRequest, parseResponseHead, codeClassOf, looksLikeTlsRecord, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './http-wire';
export { collectEvidence, collectEvidenceForJobs, errorEvidence, replayRequest, extendedWaitMs, evidenceBudgetMs, worstCaseEvidenceMs, L4_HTTP_CHECK_USER_AGENT, COMMON_USER_AGENT, type EvidenceOptions, type FleetEvidenceOptions } from './evidence';
export { ProbeScheduler, backendKey, DEFAULT_PROBE_CONCURRENCY, MAX_CONNECTIONS_PER_BACKEND, type ProbeSchedulerOptions, type ReplayHandle } from './scheduler';
