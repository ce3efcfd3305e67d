// Two projects: `unit` (logic in memory, or a loopback socket answered at once; `npm run test:unit` takes seconds)
// and `integration` (the sandbox, real servers and processes, the FC bundles, real timeouts). `npm test` runs both.
// The function bundles are built once per run, by the integration project's globalSetup (test/deploy/global-setup.ts),
// into one directory that every test file reads (test/deploy/bundles.ts).

// Test files (relative to test/) that start the sandbox, spawn processes, use the bundles or wait on real time.
const INTEGRATION = [
  'integration/',
  'sandbox/',
  'demo/',
  'deploy/',
  'probe/',
  'bench/deadline.test.ts',
  'functions/stack.test.ts',
  'cli/audit-process.test.ts',
  'cli/audit-config.test.ts',
  'cli/interrupt-process.test.ts',
  'cli/dev-tools.test.ts',
  'cli/text-layout.test.ts',
  'diagnose/e2e.test.ts',
  'cloud/loopback.test.ts',
  'cloud/silent-endpoint.test.ts',
  'fanout/fc-client.test.ts',
  'fanout/probe-batch.test.ts',
  'notify/hints.test.ts',
  'notify/interrupt.test.ts',
  'notify/post.test.ts',
  'notify/run.test.ts',
  'notify/run-oss-state.test.ts',
  'notify/scope.test.ts',
  'state/failures.test.ts',
  'state/file-store.test.ts',
  'host/netns.test.ts',
  'host/script.test.ts',
  'host/pipeline.test.ts',
  'onhost/cloud-assistant-emulator.test.ts',
  'onhost/sandbox-firewall.test.ts',
  'onhost/sandbox-onhost.test.ts',
  'onhost/sandbox-fixtures.test.ts',
  'onhost/default-scenario.test.ts',
  'onhost/cli.test.ts',
];

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const integrationGlobs = INTEGRATION.map((path) => `<rootDir>/test/${path}${path.endsWith('/') ? '**/*.test.ts' : ''}`);
const integrationPatterns = INTEGRATION.map((path) => `<rootDir>/test/${escapeRegExp(path)}`);

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Type checking is done once by `tsc` in `npm test`; jest only transpiles, which keeps the suite fast.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', transpilation: true }] },
  setupFiles: ['<rootDir>/test/support/no-metadata.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  // Three workers on CI's 2 cores: most integration files spend their time waiting on sockets, timers and child
  // processes (about 40% of a worker's wall time is CPU), so a third worker fills that idle time.
  maxWorkers: 3,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...integrationPatterns] },
    {
      ...common,
      displayName: 'integration',
      testMatch: integrationGlobs,
      globalSetup: '<rootDir>/test/deploy/global-setup.ts',
      globalTeardown: '<rootDir>/test/deploy/global-teardown.ts',
    },
  ],
};
