/** The part of Duo's official Node client (@duosecurity/duo_api, plain JavaScript) we use. */
declare module "@duosecurity/duo_api" {
  type Params = Record<string, string>;
  export class Client {
    /** sigVersion: SIGNATURE_VERSION_2 (form-encoded parameters, the default) or _5 (JSON bodies). */
    constructor(ikey: string, skey: string, host: string, sigVersion?: number);
    /**
     * Signs and sends one request to https://HOST:443 (Duo's pinned CAs only). It retries an
     * HTTP 429 by itself (1, 2, 4 ... 32 s, plus up to 1 s at random); `callback` receives
     * the body of the last answer, or `{"stat":"ERROR","message":...}` when the request failed.
     */
    apiCall(method: string, path: string, params: Params, callback: (body: string) => void): void;
  }
  export const SIGNATURE_VERSION_2: number;
  export const SIGNATURE_VERSION_5: number;
  const duoApi: { Client: typeof Client; SIGNATURE_VERSION_2: number; SIGNATURE_VERSION_5: number };
  export default duoApi;
}
