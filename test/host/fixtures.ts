// Loads the real dumps of test/fixtures/host/<scenario>/ (captured by test/fixtures/host/capture.sh) as the verdict
// reads them: iptables-nft and iptables-legacy tables, nftables tables not already read through iptables-nft, ipsets.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { evaluateFirewall, type FirewallResult, type PacketContext, type Table } from '../../lib/host/firewall';
import { parseIpsetSave } from '../../lib/host/ipset';
import { parseIptablesSave, possibleMarks } from '../../lib/host/iptables';
import { parseNftJson } from '../../lib/host/nft';
import { parseIpv4 } from '../../lib/host/ranges';

export const FIXTURES = path.join(__dirname, '../fixtures/host');

export function fixture(scenario: string, file: string): string {
  return readFileSync(path.join(FIXTURES, scenario, file), 'utf8');
}

export function tablesOf(scenario: string): { tables: Table[]; dumps: string[] } {
  const sets = parseIpsetSave(fixture(scenario, 'ipset.txt'));
  const nftSave = fixture(scenario, 'iptables-nft.txt');
  const legacySave = fixture(scenario, 'iptables-legacy.txt');
  const iptNft = parseIptablesSave(nftSave, 'iptables-nft', sets);
  const legacy = parseIptablesSave(legacySave, 'iptables-legacy', sets);
  const nft = parseNftJson(fixture(scenario, 'nft.json'), new Set(iptNft.map((t) => `ip ${t.name}`)));
  return { tables: [...iptNft, ...legacy, ...nft.tables], dumps: [nftSave, legacySave] };
}

export function packet(overrides: Partial<PacketContext> & { destinationIp?: string } = {}): PacketContext {
  const { destinationIp, ...rest } = overrides;
  return {
    destination: parseIpv4(destinationIp ?? '10.0.3.5') as number,
    destinationPort: 8080,
    transport: 'tcp',
    inInterface: 'eth0',
    possibleMarks: [0],
    untrackMayHappen: false,
    ...rest,
  };
}

export function evaluateScenario(scenario: string, overrides: Partial<PacketContext> & { destinationIp?: string } = {}): FirewallResult {
  const { tables, dumps } = tablesOf(scenario);
  return evaluateFirewall(tables, packet({ possibleMarks: possibleMarks(dumps), ...overrides }));
}
