// The generic webhook's payload matches the JSON schema we publish (lib/notify/webhook/payload.schema.json).
import schema from '../../lib/notify/webhook/payload.schema.json';
import { buildDigest, webhookPayload } from '../../lib/notify';
import { fingerprintOf, summarize } from '../../lib/notify/fingerprint';
import { makeFinding } from './fixtures';

type Schema = Record<string, unknown>;

/** Enough of JSON Schema for the keywords our schema uses; returns the paths that do not conform. */
function validate(value: unknown, node: Schema, root: Schema, path = '$'): string[] {
  if (typeof node.$ref === 'string') return validate(value, (root.$defs as Record<string, Schema>)[node.$ref.replace('#/$defs/', '')]!, root, path);
  const problems: string[] = [];
  if ('const' in node && value !== node.const) problems.push(`${path}: not ${JSON.stringify(node.const)}`);
  if (Array.isArray(node.enum) && !node.enum.includes(value as never)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (node.type !== undefined) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [...problems, `${path}: ${actual} is not ${types.join('|')}`];
  }
  if (typeof node.pattern === 'string' && typeof value === 'string' && !new RegExp(node.pattern).test(value)) problems.push(`${path}: does not match ${node.pattern}`);
  if (typeof node.minimum === 'number' && typeof value === 'number' && value < node.minimum) problems.push(`${path}: below ${node.minimum}`);
  if (Array.isArray(value) && node.items) value.forEach((item, i) => problems.push(...validate(item, node.items as Schema, root, `${path}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (node.properties ?? {}) as Record<string, Schema>;
    for (const key of (node.required ?? []) as string[]) if (!(key in object)) problems.push(`${path}.${key}: missing`);
    for (const [key, child] of Object.entries(object)) {
      if (properties[key]) problems.push(...validate(child, properties[key]!, root, `${path}.${key}`));
      else if (node.additionalProperties === false) problems.push(`${path}.${key}: not in the schema`);
      else if (typeof node.additionalProperties === 'object') problems.push(...validate(child, node.additionalProperties as Schema, root, `${path}.${key}`));
    }
  }
  return problems;
}

describe('webhook payload schema', () => {
  const findings = [
    makeFinding(),
    makeFinding({ code: 'HEALTH_CHECK_DISABLED', backend: null, severity: 'warning' }),
    makeFinding({ listener: null, backend: null, code: 'INVENTORY_ERROR' }),
    { ...makeFinding({ code: 'UNDETERMINED', backend: { ip: '127.0.0.12', port: 8080 } }), withoutFacts: 'ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)' },
  ];
  const items = findings.map((finding, i) => {
    const summary = summarize(finding, { 'lb-web1/tcp:80': 2 });
    const fingerprint = fingerprintOf(summary);
    const event = i === 1 ? ('resolved' as const) : ('new' as const);
    return { id: `r:${event}:${fingerprint}`, event, fingerprint, at: Date.UTC(2030, 0, 1), previousCode: null, summary };
  });
  const context = { runId: 'r', regionId: 'cn-hangzhou', at: 1, openBySeverity: { critical: 0, error: 2, warning: 0, info: 0 }, loadBalancersAffected: 1, uncovered: [{ loadBalancerId: 'lb-x', reason: 'deadline' }] };
  const payload = webhookPayload(buildDigest({ items, overflow: 0, contexts: { 'cn-hangzhou': context } }, { now: 0, mentions: { mobiles: [], userIds: ['u1'], all: false } }));

  it('is what the product sends', () => {
    expect(validate(payload, schema as Schema, schema as Schema)).toEqual([]);
    expect(payload.notices.map((n) => n.fingerprint)).toEqual([
      'cn-hangzhou/lb-web1/-/-#INVENTORY_ERROR',
      'cn-hangzhou/lb-web1/tcp:80/127.0.0.11:8080#PORT_CLOSED',
      'cn-hangzhou/lb-web1/tcp:80/127.0.0.12:8080#UNDETERMINED',
      'cn-hangzhou/lb-web1/tcp:80/-#HEALTH_CHECK_DISABLED',
    ]);
    expect(payload.notices.find((n) => n.finding.code === 'UNDETERMINED')?.finding.withoutFacts).toMatch(/^ECS facts unavailable: /);
  });

  it('catches a payload that drifts from it', () => {
    const drifted = { ...payload, extra: 1, notices: [{ ...payload.notices[0], event: 'opened' }] };
    expect(validate(drifted, schema as Schema, schema as Schema)).toEqual(['$.notices[0].event: "opened" not in enum', '$.extra: not in the schema']);
  });
});
