/** The export formats (pure: token records in, text out) and the secret-file writer. */
export { ExportError, type ExportToken } from "./types.js";
export { ExportWarnings, exportWarnings } from "./warnings.js";
export { heldUntilCommit, streamDuoExport, type ExportSink, type StreamedDuoExport, type StreamedPart } from "./duo-stream.js";
export { DUO_TOKEN_TYPES, duoImportLine, duoImportSections, duoImportText, duoTokenType, type DuoImportSection, type DuoTokenType } from "./duo.js";
export { ENTRA_CSV_HEADER, entraCsv, entraCsvRow, type EntraOptions } from "./entra.js";
export { pskcEncrypted, pskcPlain, type PskcEncryptionOptions, type PskcOptions } from "./pskc.js";
export { DEFAULT_ISSUER, otpauthPhoneProblems, otpauthProfileProblems, otpauthQrForTerminal, otpauthUri, percentEncode, type TerminalQrOptions } from "./otpauth.js";
export { appendSecretLine, SecretFileDraft, SecretFileError, writeSecretFileAtomically, type AppendOptions } from "./write-file.js";
