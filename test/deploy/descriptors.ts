// template.yml (ROS Transform) and s.yaml (Serverless Devs) read into one shape, so that one set of checks covers both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './bundles';

export interface PolicyStatement {
  effect: string;
  actions: string[];
  /** Resource strings; ROS `Fn::Sub` templates are kept as their template text. */
  resources: string[];
}

export interface DeployedFunction {
  name: string;
  runtime: string;
  handler: string;
  memoryMB: number;
  timeoutSeconds: number;
  /** FC's InstanceConcurrency (1 when the descriptor leaves it out). */
  instanceConcurrency: number;
  codeUri: string;
  env: Record<string, string>;
  triggers: Array<{ type: 'timer' | 'http'; config: Record<string, unknown> }>;
}

/** A statement granted only when the deployer opts in (a ROS condition, or the s.yaml role variant to switch to). */
export interface OptInStatement extends PolicyStatement {
  /** The ROS condition name, or the s.yaml `vars` entry of the role that includes it. */
  optIn: string;
}

export interface DeployedService {
  name: string;
  inVpc: boolean;
  internetAccess: boolean;
  hasLogConfig: boolean;
  managedPolicies: string[];
  statements: PolicyStatement[];
  optInStatements: OptInStatement[];
  functions: DeployedFunction[];
}

type Doc = Record<string, unknown>;

function record(value: unknown, where: string): Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is not a mapping`);
  return value as Doc;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const sub = typeof value === 'object' && value !== null ? (value as Doc)['Fn::Sub'] ?? (value as Doc)['Ref'] : undefined;
  if (typeof sub === 'string') return 'Ref' in (value as Doc) ? `\${${sub}}` : sub;
  throw new Error(`cannot read ${JSON.stringify(value)} as text`);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function policies(
  raw: unknown[],
  keys: { statement: string; effect: string; action: string; resource: string },
): { managed: string[]; statements: PolicyStatement[]; optInStatements: OptInStatement[] } {
  const managed: string[] = [];
  const statements: PolicyStatement[] = [];
  const optInStatements: OptInStatement[] = [];
  const read = (statement: unknown): PolicyStatement => {
    const s = record(statement, 'statement');
    return { effect: text(s[keys.effect]), actions: list(s[keys.action]).map(text), resources: list(s[keys.resource]).map(text) };
  };
  for (const policy of raw) {
    if (typeof policy === 'string') {
      managed.push(policy);
      continue;
    }
    for (const statement of list(record(policy, 'policy')[keys.statement])) {
      // ROS: `Fn::If: [Condition, statement, {Ref: ALIYUN::NoValue}]` grants the statement only under the condition.
      const conditional = record(statement, 'statement')['Fn::If'];
      if (Array.isArray(conditional)) {
        const [condition, granted, otherwise] = conditional as unknown[];
        if (record(otherwise, 'Fn::If else').Ref !== 'ALIYUN::NoValue') throw new Error('a conditional statement must grant nothing otherwise (Ref: ALIYUN::NoValue)');
        optInStatements.push({ ...read(granted), optIn: text(condition) });
      } else statements.push(read(statement));
    }
  }
  return { managed, statements, optInStatements };
}

function readYaml(file: string): Doc {
  return record(parse(readFileSync(join(ROOT, file), 'utf8')), file);
}

/** A `Ref` to a template parameter reads as that parameter's default (what a deploy gets unless told otherwise). */
function withDefault(value: unknown, parameters: Doc): unknown {
  const ref = typeof value === 'object' && value !== null ? (value as Doc).Ref : undefined;
  if (typeof ref !== 'string') return value;
  const parameter = parameters[ref];
  const fallback = typeof parameter === 'object' && parameter !== null ? (parameter as Doc).Default : undefined;
  return fallback ?? value;
}

export function loadTemplate(): DeployedService[] {
  const template = readYaml('template.yml');
  const parameters = record(template.Parameters ?? {}, 'Parameters');
  const resources = record(template.Resources, 'Resources');
  return Object.entries(resources)
    .filter(([, value]) => record(value, 'resource').Type === 'Aliyun::Serverless::Service')
    .map(([serviceName, value]) => {
      const service = record(value, serviceName);
      const props = record(service.Properties, `${serviceName}.Properties`);
      const { managed, statements, optInStatements } = policies(list(props.Policies ?? []), { statement: 'Statement', effect: 'Effect', action: 'Action', resource: 'Resource' });
      const functions = Object.entries(service)
        .filter(([, fn]) => typeof fn === 'object' && fn !== null && (fn as Doc).Type === 'Aliyun::Serverless::Function')
        .map(([name, fn]): DeployedFunction => {
          const p = record((fn as Doc).Properties, `${name}.Properties`);
          const events = record((fn as Doc).Events ?? {}, `${name}.Events`);
          return {
            name,
            runtime: text(withDefault(p.Runtime, parameters)),
            handler: text(p.Handler),
            memoryMB: Number(p.MemorySize),
            timeoutSeconds: Number(p.Timeout),
            instanceConcurrency: Number(p.InstanceConcurrency ?? 1),
            codeUri: text(p.CodeUri),
            env: Object.fromEntries(Object.entries(record(p.EnvironmentVariables ?? {}, `${name}.EnvironmentVariables`)).map(([k, v]) => [k, text(v)])),
            triggers: Object.values(events).map((event) => {
              const e = record(event, `${name} event`);
              return { type: text(e.Type).toLowerCase() === 'timer' ? 'timer' : 'http', config: record(e.Properties, `${name} event Properties`) };
            }),
          };
        });
      return { name: serviceName, inVpc: props.VpcConfig !== undefined, internetAccess: props.InternetAccess === true, hasLogConfig: props.LogConfig !== undefined, managedPolicies: managed, statements, optInStatements, functions };
    });
}

/** Replaces `${vars.name}` with the string under `vars`, as Serverless Devs does before deploying. */
function resolveVars(value: unknown, vars: Doc): unknown {
  if (typeof value === 'string') return value.replace(/\$\{vars\.(\w+)\}/g, (whole, name: string) => (typeof vars[name] === 'string' ? (vars[name] as string) : whole));
  if (Array.isArray(value)) return value.map((item) => resolveVars(item, vars));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVars(v, vars)]));
  return value;
}

const SDEVS_KEYS = { statement: 'statement', effect: 'Effect', action: 'Action', resource: 'Resource' } as const;

/**
 * Serverless Devs has no conditions: an opt-in statement lives in a role variant under `vars` (same role name) that
 * the deployer switches the entries to. Its statements beyond the role's own are the opt-in ones.
 */
function roleVariants(vars: Doc): { name: string; variable: string; statements: PolicyStatement[] }[] {
  return Object.entries(vars).flatMap(([variable, value]) => {
    if (typeof value !== 'object' || value === null || !('policies' in value)) return [];
    const role = value as Doc;
    return [{ name: text(role.name), variable, statements: policies(list(role.policies), SDEVS_KEYS).statements }];
  });
}

export function loadServerlessDevs(): DeployedService[] {
  const raw = readYaml('s.yaml');
  const doc = record(resolveVars(raw, record(raw.vars ?? {}, 'vars')), 's.yaml');
  const variants = roleVariants(record(doc.vars ?? {}, 'vars'));
  const services = new Map<string, DeployedService>();
  const serviceSettings = new Map<string, string>();
  for (const [key, entry] of Object.entries(record(doc.services, 'services'))) {
    const e = record(entry, key);
    if (e.component !== 'devsapp/fc') throw new Error(`${key} uses component ${String(e.component)}, not devsapp/fc`);
    const props = record(e.props, `${key}.props`);
    const service = record(props.service, `${key}.props.service`);
    const fn = record(props.function, `${key}.props.function`);
    const name = text(service.name);
    const role = record(service.role, `${key} role`);
    const { managed, statements } = policies(list(role.policies), SDEVS_KEYS);
    const own = new Set(statements.map((statement) => JSON.stringify(statement)));
    const optInStatements = variants
      .filter((variant) => variant.name === text(role.name))
      .flatMap((variant) => variant.statements.filter((statement) => !own.has(JSON.stringify(statement))).map((statement) => ({ ...statement, optIn: variant.variable })));
    // Entries deploying into one service must agree on it: the last `s deploy` of either would win.
    const settings = JSON.stringify({ role, vpc: service.vpcConfig, internet: service.internetAccess, log: service.logConfig });
    const seen = serviceSettings.get(name);
    if (seen !== undefined && seen !== settings) throw new Error(`s.yaml entries for service ${name} configure it differently`);
    serviceSettings.set(name, settings);
    const existing = services.get(name) ?? { name, inVpc: service.vpcConfig !== undefined, internetAccess: service.internetAccess === true, hasLogConfig: service.logConfig !== undefined, managedPolicies: managed, statements, optInStatements, functions: [] };
    existing.functions.push({
      name: text(fn.name),
      runtime: text(fn.runtime),
      handler: text(fn.handler),
      memoryMB: Number(fn.memorySize),
      timeoutSeconds: Number(fn.timeout),
      instanceConcurrency: Number(fn.instanceConcurrency ?? 1),
      codeUri: text(fn.codeUri),
      env: Object.fromEntries(Object.entries(record(fn.environmentVariables ?? {}, `${key} environmentVariables`)).map(([k, v]) => [k, text(v)])),
      triggers: list(props.triggers ?? []).map((t) => {
        const trigger = record(t, `${key} trigger`);
        return { type: text(trigger.type) === 'timer' ? 'timer' : 'http', config: record(trigger.config, `${key} trigger config`) };
      }),
    });
    services.set(name, existing);
  }
  return [...services.values()];
}
