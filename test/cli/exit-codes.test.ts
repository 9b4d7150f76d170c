/**
 * The exit code each family of error means (README, `tokensmith --help`), decided in one place
 * (host/errors.ts): a table, so that moving an error to another family is a visible change.
 */
import { describe, expect, it } from "vitest";
import {
  EscrowError,
  EXIT,
  exitCodeFor,
  ExportError,
  FlashError,
  IdentityError,
  InputError,
  InstallError,
  InterruptedError,
  LedgerError,
  NoAnswerError,
  PortListingError,
  ProvisionError,
  ReleaseError,
  ReplError,
  ReplTimeoutError,
  SecretFileError,
  TokenError,
  TransportError,
} from "../../host/index.js";

describe("exit codes", () => {
  it.each([
    [new InputError("x"), EXIT.usage],
    [new ReleaseError("x"), EXIT.usage],
    [new ExportError("x"), EXIT.usage],
    [new SecretFileError("x", "/f"), EXIT.usage],
    [new PortListingError("x"), EXIT.usage],
    [new TransportError("x"), EXIT.unreachable],
    [new NoAnswerError("x"), EXIT.unreachable],
    [new ReplTimeoutError("x"), EXIT.unreachable],
    [new TokenError("c", "x"), EXIT.failed],
    [new InstallError("x"), EXIT.failed],
    [new FlashError("c", "x"), EXIT.failed],
    [new ProvisionError("x"), EXIT.failed],
    [new IdentityError("x"), EXIT.failed],
    [new ReplError("x"), EXIT.failed],
    [new LedgerError("x"), EXIT.ledger],
    [new EscrowError("x"), EXIT.ledger],
    [new InterruptedError("x"), EXIT.interrupted],
  ])("%s exits %i", (error, code) => {
    expect(exitCodeFor(error)).toEqual({ code, known: true });
  });

  it("anything else is a bug: exit 1, reported as unexpected", () => {
    expect(exitCodeFor(new TypeError("x"))).toEqual({ code: EXIT.failed, known: false });
    expect(exitCodeFor("a string")).toEqual({ code: EXIT.failed, known: false });
  });
});
