// Every state operation ends within bounds: a conditional write that always loses (a 412 storm) gives up after a
// bounded number of attempts and says so, naming the object.
import { notifyStateCodec } from '../../lib/notify/state-codec';
import { OssConflictError, ossStateStore, type OssObjectApi } from '../../lib/state';
import { VirtualClock } from '../notify/clock';

describe('bounded state I/O', () => {
  it('a 412 storm ends after a bounded number of attempts, naming the object and the status', async () => {
    let puts = 0;
    const api: OssObjectApi = {
      get: async () => ({ content: JSON.stringify(notifyStateCodec.empty()), etag: '"e1"' }),
      put: async (key) => {
        puts += 1;
        throw new OssConflictError(key, 412);
      },
    };
    const clock = new VirtualClock();
    const store = ossStateStore(api, 'doctor', 'state.json', notifyStateCodec, { clock });
    await expect(store.update(() => undefined)).rejects.toThrow(
      'oss://doctor/state.json kept changing under this run: 12 conditional writes in a row failed with HTTP 412 (too many concurrent writers); try again',
    );
    expect(puts).toBe(12);
  });
});
