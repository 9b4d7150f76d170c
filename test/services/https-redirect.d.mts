/** See https-redirect.mjs. Returns a function that puts the previous agent back. */
export function redirectHttps(target: string, caFile: string): () => void;
