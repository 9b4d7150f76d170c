/**
 * The tokensmith host library: everything a program needs to provision, check and export
 * tokens. The command line (host/cli) is one such program and imports only from here; so can
 * any other (a web front end, a provisioning station's own script). What is not exported here
 * is internal and may change.
 *
 * The simulator is not part of it: a program that offers `--port sim` passes a
 * SimulatorFactory (see simulator.ts; hardware/sim/factory.ts makes one).
 */

// Errors, each with the exit code a command line should give for it.
export * from "./errors.js";

// Reaching a token.
export type { Transport } from "./transport/transport.js";
export { openTransport, isLoopbackAddress, type OpenOptions } from "./transport/open.js";
export { SerialTransport, TOKEN_BAUD_RATE } from "./transport/serial-transport.js";
export { TcpTransport } from "./transport/tcp-transport.js";
export { SimTransport } from "./transport/sim-transport.js";
export type { InProcessToken, SimulatedTokenHandle, SimulatorFactory } from "./simulator.js";
export { ANSWER_TIMEOUT_ENV, answerTimeoutMs, TokenClient, type Hello, type ProfileSpec } from "./device/client.js";
export { listPorts, type PortInfo } from "./device/discover.js";
export { checkClock, clockReport, factoryResetToken, syncClock, tokenInfo, wipeToken, type ClockReport } from "./device/maintenance.js";

// Provisioning.
export { checkLabel, checkSerialPrefix, checkTokenSerial, provisionWithLedger, requireSeedDestination, runBatch, type BatchEvent, type ProfileChoice } from "./provision/job.js";
export { newPorts, samePort, simulatedTokens, type NextToken, type NextTokenSource } from "./provision/next-token.js";
export { checkSeedLength, convertSeed, parseSeed, shortSeedWarning } from "./provision/seeds.js";
export { MAX_QR_IMAGE_BYTES, readQrImage } from "./provision/qr-image.js";
export { parseMigrationUri, type MigratedAccount } from "./provision/migration.js";
export { furtherProfiles, labelForService, serviceKeys, type ServiceKey } from "./provision/service-keys.js";
export { ImportFile, type ImportFileFormat } from "./provision/import-file.js";

// The ledger and its escrow.
export * from "./ledger/index.js";

// Import files for MFA servers and phones.
export * from "./export/index.js";
export { exportFilePath, formatExport, readUpnMap, selectTokens, tokensWithSeeds, type ExportFormat } from "./export/from-ledger.js";

// Printable labels.
export { LABEL_LAYOUTS, labelSheetPdf, type LabelItem, type LabelLayout, type Paper } from "./labels/label-sheet.js";

// Codes, computed on the host (to check a token, or for a seed in hand).
// Identity services: Duo's Admin API
export { checkApiHost, checkIntegrationKey, DuoAdminApi, type DuoCredentials, type DuoToken } from "./duo/admin-api.js";
export { adminPanelSteps, parseAssignments, readAssignments, type Assignee } from "./duo/assignments.js";
export { pushTokensToDuo, type DuoApi, type DuoPushItem, type DuoPushReport } from "./duo/push.js";
export { duoCanTake, duoStatus, type DuoStatusItem, type DuoStatusState } from "./duo/status.js";
// ... and Microsoft Graph (Entra ID)
export { checkClientId, checkTenant, DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_URL, GraphApi, type EntraCredentials, type HardwareOathDevice } from "./entra/graph-api.js";
export { pushTokensToEntra, type EntraApi, type EntraPushItem, type EntraPushReport } from "./entra/push.js";

export { computeCodes, parseTime } from "./codes/compute.js";
export { type Algorithm } from "./core/otp.js";

// Putting Espruino and the firmware on a board.
export { flashEspruino, type FlashProgress, type FlashResult } from "./flash/flash.js";
export { ESPRUINO_ESP32_LAYOUT, loadRelease } from "./flash/release.js";
export { serialPortLink } from "./flash/esptool-adapter.js";
export { install, type InstallResult } from "./install/install.js";
export { FIRMWARE_VERSION } from "../firmware/app/version.js";

// The demos behind `npm start`.
export { runCoreDemo } from "./demo/core-demo.js";
export { runTokenDemo } from "./demo/token-demo.js";

// Where tokensmith keeps its files.
export { artifactPath, dataDirectory } from "./paths.js";
