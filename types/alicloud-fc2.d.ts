// @alicloud/fc2 2.6.x ships no type declarations. This declares only what lib/cloud/fc.ts uses, as read from
// node_modules/@alicloud/fc2/lib/client.js (note the capital `accessKeyID`).
declare module '@alicloud/fc2' {
  class FCClient {
    constructor(accountId: string, config: FCClient.Config);
    /** POST /services/{service[.qualifier]}/functions/{fn}/invocations; `event` must be a string or a Buffer. */
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<FCClient.Response>;
  }

  namespace FCClient {
    interface Config {
      accessKeyID: string;
      accessKeySecret: string;
      /** Mandatory when accessKeyID starts with "STS" (the constructor throws without it); sent as x-fc-security-token. */
      securityToken?: string;
      region: string;
      /** true → https (the default is http). */
      secure?: boolean;
      /** true → the `-internal` endpoint. */
      internal?: boolean;
      /** A full URL (e.g. http://127.0.0.1:9000) that replaces `{proto}://{accountId}.{region}.fc.aliyuncs.com`. */
      endpoint?: string;
      /** Request timeout in milliseconds; default 60000. */
      timeout?: number;
      headers?: Record<string, string>;
    }

    interface Response {
      headers: Record<string, string | string[] | undefined>;
      /** UTF-8 text, parsed as JSON when the reply's content-type is application/json (a Buffer with opts.rawBuf). */
      data: unknown;
    }
  }

  export = FCClient;
}
