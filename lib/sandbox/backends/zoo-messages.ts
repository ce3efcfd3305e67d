// What the zoo's thread (zoo-thread.ts) and its caller (thread.ts) say to each other.
import type { Scenario } from '../scenario/types';
import type { StartBackendsOptions } from './index';

export interface ZooStart {
  scenario: Scenario;
  options: StartBackendsOptions;
}

export type ToZoo = { type: 'peaks'; id: number } | { type: 'stop' };

export type FromZoo =
  | { type: 'ready'; addresses: string[] }
  | { type: 'failed'; message: string; taken: string | null; configError: boolean }
  | { type: 'peaks'; id: number; peaks: Array<[client: string, connections: number]> };
