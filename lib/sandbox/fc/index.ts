// The sandbox's Function Compute 2.0: InvokeFunction (sync/async), HTTP triggers and timer firing over real bundles.
export { startFcEmulator, API_VERSION, MAX_ASYNC_PAYLOAD_BYTES, MAX_SYNC_PAYLOAD_BYTES, type FcEmulator, type FunctionRef } from './emulator';
export type { AsyncInvocationRecord, AsyncStatus, EmulatedCredentials, EmulatedFunction, FcEmulatorOptions, FunctionStats } from './types';
