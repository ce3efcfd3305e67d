import { jobsFromInventory } from '../../lib/diagnose';
import { backend, httpCheck, inventoryOf, listener } from './fixtures';

describe('jobsFromInventory', () => {
  const backends = [
    backend({ serverId: 'i-abnormal', ip: '10.0.0.1' }),
    backend({ serverId: 'i-unknown', ip: '10.0.0.2', slbStatus: 'unknown' }),
    backend({ serverId: 'i-normal', ip: '10.0.0.3', slbStatus: 'normal' }),
    backend({ serverId: 'i-pending', ip: '10.0.0.4', slbStatus: 'unavailable' }),
    backend({ serverId: 'i-drained', ip: '10.0.0.5', weight: 0 }),
    backend({ serverId: 'i-stopped', ip: '10.0.0.6' }),
    backend({ serverId: 'i-sg', ip: '10.0.0.7' }),
  ];
  const inventory = inventoryOf([listener({ backends })], {
    instances: {
      'i-stopped': { instanceId: 'i-stopped', status: 'Stopped', privateIps: ['10.0.0.6'], securityGroupIds: [], vpcId: 'vpc-1' },
      'i-sg': { instanceId: 'i-sg', status: 'Running', privateIps: ['10.0.0.7'], securityGroupIds: ['sg-1'], vpcId: 'vpc-1' },
    },
    securityGroupRules: { 'sg-1': [{ securityGroupId: 'sg-1', direction: 'ingress', policy: 'drop', priority: 1, ipProtocol: 'TCP', portRange: '1/65535', sourceCidrIp: '100.64.0.0/10', description: '' }] },
  });

  it('probes only backends SLB does not call healthy and the control plane cannot explain', () => {
    expect(jobsFromInventory(inventory).map((j) => [j.ip, j.sweep])).toEqual([
      ['10.0.0.1', false],
      ['10.0.0.2', false],
    ]);
  });
  it('with all, sweeps the healthy ones too', () => {
    expect(jobsFromInventory(inventory, { all: true }).map((j) => [j.ip, j.sweep])).toEqual([
      ['10.0.0.1', false],
      ['10.0.0.2', false],
      ['10.0.0.3', true],
    ]);
  });
  it('probes nothing behind a stopped listener or with checks off', () => {
    expect(jobsFromInventory(inventoryOf([listener({ status: 'stopped', backends })]), { all: true })).toEqual([]);
    expect(jobsFromInventory(inventoryOf([listener({ healthCheck: httpCheck({ enabled: false }), backends })]), { all: true })).toEqual([]);
  });
  it('resolves the check to concrete values', () => {
    const l = listener({ port: 443, protocol: 'https', healthCheck: httpCheck({ connectPort: 8080, timeoutSeconds: 7 }), backends: [backend({ port: 443, checkPort: 8080 })] });
    expect(jobsFromInventory(inventoryOf([l]))).toEqual([
      {
        id: 'lb-1/https:443/10.0.0.1:443',
        target: { loadBalancerId: 'lb-1', listener: { protocol: 'https', port: 443 }, backend: { ip: '10.0.0.1', port: 443 } },
        vpcId: 'vpc-1',
        ip: '10.0.0.1',
        checkPort: 8080,
        checkType: 'http',
        listenerProtocol: 'https',
        method: 'HEAD',
        uri: '/test.html',
        httpVersion: '1.0',
        host: 'www.slb-test.com',
        domain: 'www.slb-test.com',
        acceptedCodes: ['http_2xx', 'http_3xx'],
        timeoutMs: 7000,
        udpRequest: null,
        udpExpect: null,
        slbStatus: 'abnormal',
        sweep: false,
      },
    ]);
  });
});
