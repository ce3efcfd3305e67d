import { notifyOptionsFromEnv, parseDuration, parseSilences, parseTargets } from '../../lib/notify';

const DING = 'https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN-123';

describe('parseTargets', () => {
  it('accepts valid entries with defaults and a state key that never contains the URL', () => {
    const { targets, errors } = parseTargets(
      JSON.stringify([
        { kind: 'dingtalk', url: DING, secret: 'SECabc', mentions: { mobiles: ['13800000000'], all: false } },
        { name: 'ops-slack', kind: 'slack', url: 'https://hooks.slack.com/services/T1/B1/x', minSeverity: 'critical', match: { tags: { env: 'prod' }, codes: ['PORT_CLOSED'] } },
      ]),
      'targets.json',
    );
    expect(errors).toEqual([]);
    expect(targets[0]).toMatchObject({ label: 'dingtalk#0', kind: 'dingtalk', secret: 'SECabc', minSeverity: 'warning', mentions: { mobiles: ['13800000000'], userIds: [], all: false } });
    expect(targets[0]!.key).toMatch(/^dingtalk-[0-9a-f]{12}$/);
    expect(targets[1]).toMatchObject({ key: 'ops-slack', label: 'ops-slack', minSeverity: 'critical', match: { loadBalancerIds: null, tags: { env: 'prod' }, codes: ['PORT_CLOSED'] } });
  });

  it('rejects each malformed entry with one line naming it and the field, while the valid ones still work', () => {
    const { targets, errors } = parseTargets(
      JSON.stringify([
        { name: 'good', kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
        { name: 'typo', kind: 'slack', url: 'https://hooks.slack.com/x', minSeverty: 'error' },
        { kind: 'teams', url: 'https://example.invalid/x' },
        { name: 'ftp', kind: 'webhook', url: 'ftp://files.invalid/SECRET-TOKEN-123' },
        { name: 'no-token', kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send' },
        { name: 'codes', kind: 'webhook', url: 'https://h.invalid/', match: { codes: ['NOT_A_CODE'] } },
        { name: 'good', kind: 'webhook', url: 'https://h.invalid/2' },
        'just a string',
      ]),
      'SLB_DOCTOR_NOTIFY_TARGETS',
    );
    expect(targets.map((t) => t.label)).toEqual(['good']);
    expect(errors).toEqual([
      'SLB_DOCTOR_NOTIFY_TARGETS: target #1 ("typo"): minSeverty is not a known field (name, kind, url, secret, mentions, minSeverity, match)',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #2: kind must be one of dingtalk, slack, feishu, wecom, webhook',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #3 ("ftp"): url must be http(s), not ftp',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #4 ("no-token"): url has no access_token parameter (copy the whole robot webhook URL)',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #5 ("codes"): match.codes has unknown code NOT_A_CODE (see docs/findings.md)',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #6 ("good"): name "good" is used twice (names key the state, so they must be unique)',
      'SLB_DOCTOR_NOTIFY_TARGETS: target #7: is not an object',
    ]);
    expect(errors.join('\n')).not.toContain('SECRET-TOKEN-123');
  });

  it('names the field path and the JSON type found for a value of the wrong type', () => {
    const { errors } = parseTargets(
      JSON.stringify([
        { kind: 'webhook', url: 123 },
        { kind: 'webhook', url: 'https://h.invalid/', mentions: { userIds: ['u1', 7] } },
        { kind: 'webhook', url: 'https://h.invalid/', match: { tags: { env: true } } },
        { kind: 'slack', url: 'https://hooks.slack.com/x', secret: 42 },
        { kind: 'slack' },
      ]),
      'targets.json',
    );
    expect(errors).toEqual([
      'targets.json: target #0: url must be a string, got a number',
      'targets.json: target #1: mentions.userIds[1] must be a user id, got a number',
      'targets.json: target #2: match.tags.env must be a string (the tag value), got a boolean',
      'targets.json: target #3: secret must be a non-empty string, got a number',
      'targets.json: target #4: url is missing',
    ]);
  });

  it('warns about settings a channel cannot honour', () => {
    const { warnings } = parseTargets(JSON.stringify([{ name: 'w', kind: 'wecom', url: 'https://q.invalid/?key=k', secret: 'x', mentions: { all: true, mobiles: ['13800000000'] } }]), 'f');
    expect(warnings).toEqual([
      'f: target #0 ("w"): secret is ignored: wecom webhooks are not signed (the URL is the secret)',
      'f: target #0 ("w"): mentions.mobiles is ignored: wecom cannot mention by phone number',
      'f: target #0 ("w"): mentions.all is ignored: WeCom markdown messages can only mention userIds',
    ]);
  });

  it('rejects a document that is not a JSON list', () => {
    expect(parseTargets('{nope', 'f').errors[0]).toMatch(/^f: notification targets are not valid JSON/);
    expect(parseTargets('{}', 'f').errors).toEqual(['f: notification targets must be a JSON list of {kind, url, …}']);
  });
});

describe('noise options', () => {
  it('parses durations', () => {
    expect(parseDuration('4h')).toBe(4 * 3_600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('soon')).toBeNull();
  });

  it('parses silences and rejects ones that never expire or name nothing', () => {
    const { silences, errors } = parseSilences(
      JSON.stringify([
        { loadBalancerId: 'lb-1', listener: 'TCP:80', expiresAt: '2030-01-01T00:00:00Z', comment: 'maintenance' },
        { code: 'PORT_CLOSED' },
        { expiresAt: '2030-01-01T00:00:00Z' },
        { backend: 'db.internal', expiresAt: '2030-01-01T00:00:00Z' },
      ]),
      'SLB_DOCTOR_SILENCES',
    );
    expect(silences).toEqual([{ loadBalancerId: 'lb-1', listener: 'tcp:80', backend: null, code: null, expiresAt: Date.UTC(2030, 0, 1), comment: 'maintenance' }]);
    expect(errors).toEqual([
      'SLB_DOCTOR_SILENCES: silence #1: expiresAt must be an ISO date such as 2030-01-31T18:00:00Z (silences always expire)',
      'SLB_DOCTOR_SILENCES: silence #2: names nothing to silence (give loadBalancerId, listener, backend or code)',
      'SLB_DOCTOR_SILENCES: silence #3: backend must look like 10.0.0.1:80 (or just 10.0.0.1)',
    ]);
  });

  it('names unknown fields, wrong types and unknown codes in a silence', () => {
    const { errors } = parseSilences(
      JSON.stringify([{ code: 'NOT_A_CODE', expiresAt: '2030-01-01T00:00:00Z' }, { listener: 80, expiresAt: '2030-01-01T00:00:00Z' }, { lb: 'x' }, 'x']),
      'f',
    );
    expect(errors).toEqual([
      'f: silence #0: code NOT_A_CODE is not a finding code (see docs/findings.md)',
      'f: silence #1: listener must be a non-empty string',
      'f: silence #2: lb is not a known field (loadBalancerId, listener, backend, code, expiresAt, comment)',
      'f: silence #3: is not an object',
    ]);
  });

  it('reads the environment and keeps the default on a bad value', () => {
    const { options, errors } = notifyOptionsFromEnv({ SLB_DOCTOR_REPEAT_INTERVAL: '30m', SLB_DOCTOR_FLAP_RUNS: 'three' });
    expect(options).toEqual({ repeatIntervalMs: 30 * 60_000 });
    expect(errors).toEqual(['SLB_DOCTOR_FLAP_RUNS "three" must be a whole number from 1 to 20']);
  });
});
