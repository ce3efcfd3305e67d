// Schemas of the two deploy descriptors, written from the tools' own documentation because neither tool ships its
// schema as a package: the Serverless Devs fc component is fetched from the Serverless Devs registry at run time (not
// npm), and ROS publishes its resource specifications only as documentation pages. Each rule cites its source.
// A rule lists the fields a mapping may have (anything else is an error) and checks the values the docs constrain.

type Doc = Record<string, unknown>;

export type Problem = string;

function isMapping(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keysOutside(value: Doc, allowed: readonly string[], where: string): Problem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${where}.${key}: not a field (allowed: ${allowed.join(', ')})`);
}

function mapping(value: unknown, where: string, allowed: readonly string[], required: readonly string[] = []): { doc: Doc | null; problems: Problem[] } {
  if (!isMapping(value)) return { doc: null, problems: [`${where}: must be a mapping`] };
  return { doc: value, problems: [...keysOutside(value, allowed, where), ...required.filter((key) => value[key] === undefined).map((key) => `${where}.${key}: is required`)] };
}

function each(value: unknown, where: string, check: (item: unknown, at: string) => Problem[]): Problem[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item, index) => check(item, Array.isArray(value) ? `${where}[${index}]` : where));
}

// ---- RAM policy statements.
// RAM policy grammar (https://www.alibabacloud.com/help/en/ram/policy-elements and
// https://www.alibabacloud.com/help/en/ram/policy-structure-and-syntax): a statement has Effect
// (Allow | Deny), Action or NotAction, Resource, and optionally Condition. There is no Sid. The fc component's
// `statement` takes the same fields (devsapp/fc docs/en/yaml/service.md, "statement").
const STATEMENT_FIELDS = ['Effect', 'Action', 'NotAction', 'Resource', 'Condition'] as const;

export function ramStatementProblems(statement: unknown, where: string): Problem[] {
  const { doc, problems } = mapping(statement, where, STATEMENT_FIELDS, ['Effect', 'Resource']);
  if (!doc) return problems;
  if (doc.Effect !== 'Allow' && doc.Effect !== 'Deny') problems.push(`${where}.Effect: must be Allow or Deny`);
  if ((doc.Action === undefined) === (doc.NotAction === undefined)) problems.push(`${where}: needs exactly one of Action and NotAction`);
  return problems;
}

// A ROS template may make a statement conditional: `Fn::If: [Condition, statement, {Ref: ALIYUN::NoValue}]`, where
// the condition is declared under Conditions and ALIYUN::NoValue drops the item
// (https://www.alibabacloud.com/help/en/ros/developer-reference/function-if and .../pseudo-parameters).
function rosStatementProblems(statement: unknown, where: string, conditions: ReadonlySet<string>): Problem[] {
  if (!isMapping(statement) || !('Fn::If' in statement)) return ramStatementProblems(statement, where);
  const args = statement['Fn::If'];
  const at = `${where}.Fn::If`;
  if (Object.keys(statement).length !== 1 || !Array.isArray(args) || args.length !== 3) return [`${at}: must be the only key, with [condition, value if true, value if false]`];
  const [condition, whenTrue, whenFalse] = args as [unknown, unknown, unknown];
  const problems: Problem[] = typeof condition === 'string' && conditions.has(condition) ? [] : [`${at}[0]: ${String(condition)} is not declared under Conditions`];
  for (const [index, branch] of [whenTrue, whenFalse].entries()) {
    const noValue = isMapping(branch) && branch.Ref === 'ALIYUN::NoValue' && Object.keys(branch).length === 1;
    if (!noValue) problems.push(...ramStatementProblems(branch, `${at}[${index + 1}]`));
  }
  return problems;
}

// ---- ROS template with the Serverless transform.
// Aliyun::Serverless::Service: https://www.alibabacloud.com/help/en/ros/developer-reference/aliyun-serverless-service
// Aliyun::Serverless::Function: https://www.alibabacloud.com/help/en/ros/developer-reference/aliyun-serverless-function
// Events (Timer, HTTP): the Function page's Events section; ALIYUN::SLS::Project and ALIYUN::SLS::Logstore:
// https://www.alibabacloud.com/help/en/ros/developer-reference/aliyun-sls-project and .../aliyun-sls-logstore.
const SERVICE_PROPERTIES = ['Role', 'Policies', 'LogConfig', 'VpcConfig', 'InternetAccess', 'Description', 'NasConfig', 'TracingConfig'] as const;
const FUNCTION_PROPERTIES = [
  'Handler', 'Runtime', 'CodeUri', 'Initializer', 'InitializationTimeout', 'Description', 'MemorySize', 'Timeout',
  'EnvironmentVariables', 'InstanceConcurrency', 'InstanceType', 'CAPort', 'CustomContainerConfig', 'AsyncConfiguration', 'Layers',
] as const;
const TIMER_PROPERTIES = ['CronExpression', 'Enable', 'Payload', 'Qualifier'] as const;
const HTTP_PROPERTIES = ['AuthType', 'Methods', 'Qualifier'] as const;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'] as const;
const SLS_PROJECT_PROPERTIES = ['Name', 'Description', 'Tags'] as const;
const SLS_LOGSTORE_PROPERTIES = ['ProjectName', 'LogstoreName', 'TTL', 'ShardCount', 'AutoSplit', 'MaxSplitShard', 'AppendMeta', 'EnableTracking', 'PreserveStorage', 'EncryptConf', 'Mode'] as const;
/** FC 2.0: 128 MB to 32 GB in steps of 64 MB, and a timeout of 1–600 s for event functions (FC limits page). */
const FC_MEMORY = { min: 128, max: 32 * 1024, step: 64 };
const FC_TIMEOUT = { min: 1, max: 600 };

function rosFunctionProblems(fn: Doc, where: string): Problem[] {
  const problems: Problem[] = [];
  const props = mapping(fn.Properties, `${where}.Properties`, FUNCTION_PROPERTIES, ['Handler', 'Runtime', 'CodeUri']);
  problems.push(...props.problems);
  const p = props.doc ?? {};
  const memory = Number(p.MemorySize);
  if (p.MemorySize !== undefined && (memory < FC_MEMORY.min || memory > FC_MEMORY.max || memory % FC_MEMORY.step !== 0)) problems.push(`${where}.Properties.MemorySize: must be 128-32768 MB in steps of 64`);
  const timeout = Number(p.Timeout);
  if (p.Timeout !== undefined && (timeout < FC_TIMEOUT.min || timeout > FC_TIMEOUT.max)) problems.push(`${where}.Properties.Timeout: must be 1-600 s`);
  for (const [name, event] of Object.entries(isMapping(fn.Events) ? fn.Events : {})) {
    const at = `${where}.Events.${name}`;
    const e = mapping(event, at, ['Type', 'Properties'], ['Type', 'Properties']);
    problems.push(...e.problems);
    if (!e.doc) continue;
    if (e.doc.Type === 'Timer') problems.push(...mapping(e.doc.Properties, `${at}.Properties`, TIMER_PROPERTIES, ['CronExpression']).problems);
    else if (e.doc.Type === 'HTTP') {
      const http = mapping(e.doc.Properties, `${at}.Properties`, HTTP_PROPERTIES, ['AuthType', 'Methods']);
      problems.push(...http.problems);
      if (http.doc && !['ANONYMOUS', 'FUNCTION'].includes(String(http.doc.AuthType))) problems.push(`${at}.Properties.AuthType: must be ANONYMOUS or FUNCTION`);
      for (const method of Array.isArray(http.doc?.Methods) ? http.doc.Methods : []) {
        if (!(HTTP_METHODS as readonly unknown[]).includes(method)) problems.push(`${at}.Properties.Methods: ${String(method)} is not an HTTP method`);
      }
    } else problems.push(`${at}.Type: only Timer and HTTP events are used here, got ${String(e.doc.Type)}`);
  }
  return problems;
}

export function rosTemplateProblems(template: unknown): Problem[] {
  const top = mapping(template, 'template', ['ROSTemplateFormatVersion', 'Transform', 'Description', 'Parameters', 'Resources', 'Outputs', 'Metadata', 'Conditions', 'Mappings'], ['ROSTemplateFormatVersion', 'Transform', 'Resources']);
  const problems = [...top.problems];
  const doc = top.doc ?? {};
  if (doc.ROSTemplateFormatVersion !== '2015-09-01') problems.push('template.ROSTemplateFormatVersion: must be 2015-09-01');
  if (doc.Transform !== 'Aliyun::Serverless-2018-04-03') problems.push('template.Transform: must be Aliyun::Serverless-2018-04-03');
  const parameters = isMapping(doc.Parameters) ? doc.Parameters : {};
  const conditions = new Set(Object.keys(isMapping(doc.Conditions) ? doc.Conditions : {}));
  for (const [name, parameter] of Object.entries(parameters)) {
    problems.push(...mapping(parameter, `Parameters.${name}`, ['Type', 'Default', 'Description', 'NoEcho', 'MinLength', 'MaxLength', 'AllowedValues', 'AllowedPattern', 'Label', 'ConstraintDescription'], ['Type']).problems);
  }
  for (const [name, resource] of Object.entries(isMapping(doc.Resources) ? doc.Resources : {})) {
    const where = `Resources.${name}`;
    if (!isMapping(resource)) {
      problems.push(`${where}: must be a mapping`);
      continue;
    }
    switch (resource.Type) {
      case 'Aliyun::Serverless::Service': {
        const props = mapping(resource.Properties, `${where}.Properties`, SERVICE_PROPERTIES);
        problems.push(...props.problems);
        if (props.doc?.LogConfig !== undefined) problems.push(...mapping(props.doc.LogConfig, `${where}.Properties.LogConfig`, ['Project', 'Logstore', 'EnableRequestMetrics'], ['Project', 'Logstore']).problems);
        if (props.doc?.VpcConfig !== undefined) problems.push(...mapping(props.doc.VpcConfig, `${where}.Properties.VpcConfig`, ['VpcId', 'VSwitchIds', 'SecurityGroupId'], ['VpcId', 'VSwitchIds', 'SecurityGroupId']).problems);
        for (const [index, policy] of (Array.isArray(props.doc?.Policies) ? props.doc.Policies : []).entries()) {
          if (typeof policy === 'string') continue; // a system policy by name
          const at = `${where}.Properties.Policies[${index}]`;
          const p = mapping(policy, at, ['Version', 'Statement'], ['Version', 'Statement']);
          problems.push(...p.problems, ...each(p.doc?.Statement, `${at}.Statement`, (item, itemAt) => rosStatementProblems(item, itemAt, conditions)));
        }
        for (const [fnName, fn] of Object.entries(resource)) {
          if (fnName === 'Type' || fnName === 'Properties') continue;
          if (!isMapping(fn) || fn.Type !== 'Aliyun::Serverless::Function') problems.push(`${where}.${fnName}: only Aliyun::Serverless::Function may sit inside a service`);
          else problems.push(...rosFunctionProblems(fn, `${where}.${fnName}`));
        }
        break;
      }
      case 'ALIYUN::SLS::Project':
        problems.push(...mapping(resource.Properties, `${where}.Properties`, SLS_PROJECT_PROPERTIES, ['Name']).problems);
        break;
      case 'ALIYUN::SLS::Logstore':
        problems.push(...mapping(resource.Properties, `${where}.Properties`, SLS_LOGSTORE_PROPERTIES, ['ProjectName', 'LogstoreName']).problems);
        break;
      default:
        problems.push(`${where}.Type: ${String(resource.Type)} is not a type this template is checked for`);
    }
  }
  return problems;
}

// ---- Serverless Devs 2.x s.yaml with the devsapp/fc component.
// The file: Serverless-Devs/Serverless-Devs docs/en/yaml.md (edition 1.0.0, name,
// access, vars, services.<name>.{component, props}). The props: devsapp/fc docs/en/yaml/readme.md, service.md,
// function.md and triggers.md.
const FC_PROPS = ['region', 'service', 'function', 'triggers', 'customDomains'] as const;
const FC_SERVICE = ['name', 'description', 'internetAccess', 'tracingConfig', 'role', 'logConfig', 'vpcConfig', 'nasConfig', 'ossMountConfig'] as const;
const FC_FUNCTION = [
  'name', 'description', 'codeUri', 'ossBucket', 'ossKey', 'handler', 'memorySize', 'runtime', 'timeout', 'caPort',
  'customContainerConfig', 'environmentVariables', 'initializationTimeout', 'initializer', 'instanceConcurrency', 'instanceType',
  'gpuMemorySize', 'layers', 'instanceLifecycleConfig', 'asyncConfiguration', 'customDNS', 'customRuntimeConfig',
] as const;
const FC_ASYNC = ['maxAsyncEventAgeInSeconds', 'maxAsyncRetryAttempts', 'statefulInvocation', 'destination'] as const;
const FC_TRIGGER = ['name', 'type', 'role', 'sourceArn', 'qualifier', 'config'] as const;
const FC_TIMER_CONFIG = ['cronExpression', 'enable', 'payload'] as const;
const FC_HTTP_CONFIG = ['authType', 'methods'] as const;
const FC_LOG_CONFIG = ['project', 'logstore', 'enableRequestMetrics', 'enableInstanceMetrics', 'logBeginRule'] as const;
// service.md's table spells `vSwitchIds` and its example `vswitchIds`: both are accepted here.
const FC_VPC_CONFIG = ['vpcId', 'securityGroupId', 'vSwitchIds', 'vswitchIds'] as const;

export function serverlessDevsProblems(file: unknown): Problem[] {
  const top = mapping(file, 's.yaml', ['edition', 'name', 'access', 'vars', 'services', 'actions'], ['edition', 'name', 'services']);
  const problems = [...top.problems];
  const doc = top.doc ?? {};
  if (doc.edition !== '1.0.0') problems.push('s.yaml.edition: must be 1.0.0 (Serverless Devs 2.x)');
  for (const [name, entry] of Object.entries(isMapping(doc.services) ? doc.services : {})) {
    const where = `services.${name}`;
    const e = mapping(entry, where, ['component', 'props', 'actions'], ['component', 'props']);
    problems.push(...e.problems);
    if (!e.doc) continue;
    if (e.doc.component !== 'devsapp/fc') problems.push(`${where}.component: must be devsapp/fc`);
    const props = mapping(e.doc.props, `${where}.props`, FC_PROPS, ['region', 'service', 'function']);
    problems.push(...props.problems);
    const p = props.doc ?? {};
    const service = mapping(p.service, `${where}.props.service`, FC_SERVICE, ['name']);
    problems.push(...service.problems);
    const s = service.doc ?? {};
    if (s.logConfig !== undefined && s.logConfig !== 'auto') problems.push(...mapping(s.logConfig, `${where}.props.service.logConfig`, FC_LOG_CONFIG).problems);
    if (s.vpcConfig !== undefined && s.vpcConfig !== 'auto') problems.push(...mapping(s.vpcConfig, `${where}.props.service.vpcConfig`, FC_VPC_CONFIG).problems);
    if (isMapping(s.role)) {
      const role = mapping(s.role, `${where}.props.service.role`, ['name', 'policies'], ['name', 'policies']);
      problems.push(...role.problems);
      for (const [index, policy] of (Array.isArray(role.doc?.policies) ? role.doc.policies : []).entries()) {
        if (typeof policy === 'string') continue;
        const at = `${where}.props.service.role.policies[${index}]`;
        const pol = mapping(policy, at, ['name', 'description', 'statement'], ['name', 'statement']);
        problems.push(...pol.problems, ...each(pol.doc?.statement, `${at}.statement`, ramStatementProblems));
      }
    }
    const fn = mapping(p.function, `${where}.props.function`, FC_FUNCTION, ['name', 'runtime']);
    problems.push(...fn.problems);
    if (fn.doc?.asyncConfiguration !== undefined) problems.push(...mapping(fn.doc.asyncConfiguration, `${where}.props.function.asyncConfiguration`, FC_ASYNC).problems);
    for (const [index, trigger] of (Array.isArray(p.triggers) ? p.triggers : []).entries()) {
      const at = `${where}.props.triggers[${index}]`;
      const t = mapping(trigger, at, FC_TRIGGER, ['name', 'type', 'config']);
      problems.push(...t.problems);
      if (t.doc?.type === 'timer') problems.push(...mapping(t.doc.config, `${at}.config`, FC_TIMER_CONFIG, ['cronExpression']).problems);
      else if (t.doc?.type === 'http') {
        const http = mapping(t.doc.config, `${at}.config`, FC_HTTP_CONFIG, ['authType', 'methods']);
        problems.push(...http.problems);
        if (http.doc && !['anonymous', 'function'].includes(String(http.doc.authType))) problems.push(`${at}.config.authType: must be anonymous or function`);
      } else if (t.doc) problems.push(`${at}.type: only timer and http triggers are used here, got ${String(t.doc.type)}`);
    }
  }
  return problems;
}
