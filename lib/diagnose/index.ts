// Jobs from the inventory, evidence from the data plane, findings from both.
export { jobsFromInventory, jobFor, jobIdFor } from './jobs';
export { collectEvidence, collectEvidenceForJobs, errorEvidence, replayRequest, extendedWaitMs, evidenceBudgetMs, L4_HTTP_CHECK_USER_AGENT, COMMON_USER_AGENT, type EvidenceOptions, type FleetEvidenceOptions } from './evidence';
export { diagnose, recheckKey, type DiagnoseInput, type Recheck } from './diagnose';
export { interpretEvidence, TIMEOUT_RISK_RATIO, type DataPlaneVerdict } from './interpret';
export { backendControlPlaneCause, listenerControlPlaneCause, describeCheck, type ControlPlaneCause } from './control-plane';
export { evaluateSecurityGroups, SLB_HEALTH_CHECK_CIDR, type SecurityGroupVerdict } from './security-group';
export { reproduceCommands, shellQuote, ncHttpCommand, curlHttpCommand } from './reproduce';
export { describeProbe, formatDuration } from './describe';
export { renderFinding, renderFindings, describeSubject, type RenderOptions } from './render';
export { BASE_SEVERITY, GUIDE } from './guide';
