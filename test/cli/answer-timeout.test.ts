/**
 * TOKENSMITH_ANSWER_TIMEOUT_MS lengthens (or shortens) every wait for an answer, for slow links
 * and busy machines; a value that is not whole milliseconds is refused with a sentence.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ANSWER_TIMEOUT_ENV, answerTimeoutMs, InputError, NoAnswerError, TokenClient, type Transport } from "../../host/index.js";

const silent: Transport = { description: "a silent port", write: async () => undefined, onData: () => () => undefined, onClose: () => () => undefined, close: async () => undefined };

afterEach(() => {
  delete process.env[ANSWER_TIMEOUT_ENV];
});

describe("TOKENSMITH_ANSWER_TIMEOUT_MS", () => {
  it("unset: each wait keeps its default; set: every wait takes it", () => {
    expect(answerTimeoutMs(2000)).toBe(2000);
    process.env[ANSWER_TIMEOUT_ENV] = "45000";
    expect(answerTimeoutMs(2000)).toBe(45000);
    expect(answerTimeoutMs(3000)).toBe(45000);
  });

  it.each(["0", "-5", "1.5", "soon", "600001"])("%j is refused, saying what it takes", (text) => {
    process.env[ANSWER_TIMEOUT_ENV] = text;
    expect(() => answerTimeoutMs(2000)).toThrow(InputError);
    expect(() => answerTimeoutMs(2000)).toThrow(/give whole milliseconds, 1 to 600000/);
  });

  it("a token client made without a timeout uses it", async () => {
    process.env[ANSWER_TIMEOUT_ENV] = "5";
    const client = new TokenClient(silent, { retries: 0 });
    await expect(client.hello()).rejects.toThrow(NoAnswerError);
    client.close();
  });
});
