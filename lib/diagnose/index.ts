// Jobs from the inventory; findings from the evidence (collected by lib/probe/evidence) and the control plane.
export { jobsFromInventory, jobFor } from './jobs';
export { diagnose, inventoryErrorFindings, loadBalancerDiagnosis, mostSevereFirst, type DiagnoseInput, type LoadBalancerDiagnosis, type LoadBalancerDiagnosisInput, type Recheck } from './diagnose';
export { interpretEvidence, TIMEOUT_RISK_RATIO, type DataPlaneVerdict } from './interpret';
export { backendControlPlaneCause, listenerControlPlaneCause, describeCheck, type ControlPlaneCause } from './control-plane';
export { evaluateSecurityGroups, SLB_HEALTH_CHECK_CIDR, type SecurityGroupVerdict } from './security-group';
export { reproduceCommands, shellQuote, ncHttpCommand, curlHttpCommand } from './reproduce';
export { describeProbe, formatDuration } from './describe';
export { renderFinding, renderFindings, describeSubject, type RenderOptions } from './render';
export { BASE_SEVERITY, GUIDE } from './guide';
