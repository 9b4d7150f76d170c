/**
 * The ledger's schema, as an append-only list of migrations. Never edit a migration that has
 * shipped: add the next one. openLedger applies the missing ones in one IMMEDIATE transaction
 * and records each in schema_migrations.
 *
 * Times are INTEGER Unix milliseconds, UTC (columns named *_ms). Secrets: see ledger.ts.
 */

/** 'TOKS': PRAGMA application_id of every tokensmith ledger. */
export const LEDGER_APPLICATION_ID = 0x544f4b53;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "batches, tokens, serial counters, clock syncs, exports, meta",
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value ANY NOT NULL
      ) STRICT;

      CREATE TABLE batches (
        id             INTEGER PRIMARY KEY,
        prefix         TEXT NOT NULL,
        planned        INTEGER NOT NULL CHECK (planned > 0),
        created_at_ms  INTEGER NOT NULL,
        finished_at_ms INTEGER
      ) STRICT;

      -- The highest number ever handed out per prefix, so a reserved serial is never reused
      -- even if no token row was written for it (and tokens rows are never deleted anyway).
      CREATE TABLE serial_counters (
        prefix      TEXT PRIMARY KEY,
        last_number INTEGER NOT NULL CHECK (last_number >= 0)
      ) STRICT;

      CREATE TABLE tokens (
        id                    INTEGER PRIMARY KEY,
        serial                TEXT NOT NULL UNIQUE,
        batch_id              INTEGER REFERENCES batches(id),
        label                 TEXT NOT NULL,
        kind                  TEXT NOT NULL CHECK (kind IN ('totp', 'hotp')),
        algorithm             TEXT NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256')),
        digits                INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 8),
        period                INTEGER NOT NULL CHECK (period > 0),
        counter               INTEGER NOT NULL CHECK (counter >= 0),
        token_id              TEXT,
        firmware              TEXT,
        state                 TEXT NOT NULL CHECK (state IN ('pending', 'provisioned', 'wiped')),
        pending_at_ms         INTEGER NOT NULL,
        provisioned_at_ms     INTEGER,
        wiped_at_ms           INTEGER,
        -- 1: management_key is an escrow blob (AAD 'mkey:' || serial); 0: the raw key bytes.
        management_key        BLOB,
        management_key_sealed INTEGER NOT NULL DEFAULT 0 CHECK (management_key_sealed IN (0, 1)),
        -- The seed, sealed (AAD serial); NULL when the import file is the seed's only copy.
        escrow                BLOB,
        CHECK (state <> 'provisioned' OR (token_id IS NOT NULL AND management_key IS NOT NULL AND provisioned_at_ms IS NOT NULL)),
        CHECK (state <> 'wiped' OR (management_key IS NULL AND escrow IS NULL AND wiped_at_ms IS NOT NULL))
      ) STRICT;
      CREATE INDEX tokens_batch ON tokens(batch_id, state);
      -- One chip is one live token.
      CREATE UNIQUE INDEX tokens_live_chip ON tokens(token_id) WHERE state = 'provisioned';

      CREATE TABLE clock_syncs (
        id                      INTEGER PRIMARY KEY,
        serial                  TEXT NOT NULL REFERENCES tokens(serial),
        at_ms                   INTEGER NOT NULL,
        -- token minus host before the sync, seconds; NULL when the token's clock was lost
        offset_seconds          REAL,
        -- NULL for a token's first sync
        seconds_since_last_sync REAL,
        authorised              INTEGER NOT NULL CHECK (authorised IN (0, 1))
      ) STRICT;
      CREATE INDEX clock_syncs_serial ON clock_syncs(serial, at_ms);

      CREATE TABLE exports (
        id             INTEGER PRIMARY KEY,
        at_ms          INTEGER NOT NULL,
        format         TEXT NOT NULL,
        path           TEXT NOT NULL,
        token_count    INTEGER NOT NULL CHECK (token_count >= 0),
        -- SHA-256 (hex) of the exported serials, sorted, joined by '\\n'
        serials_sha256 TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: "batches remember their options (batch --resume ID) and can be abandoned",
    sql: `
      -- What \`batch\` was told besides the profile (JSON: out, format, escrow, port, issuer), so
      -- that --resume needs only the batch's id. NULL for batches begun before version 2.
      ALTER TABLE batches ADD COLUMN options TEXT;
      -- Set (with finished_at_ms) when the operator gives the batch up: no new token is started in it.
      ALTER TABLE batches ADD COLUMN abandoned_at_ms INTEGER;
    `,
  },
  {
    version: 3,
    description: "tokens pushed to identity services (Duo Admin API, Microsoft Graph); a token's further profiles; indexes for case-insensitive serials and token profiles",
    sql: `
      -- One row per token per service account it was created in: Duo's token_id (account = the
      -- API hostname) or Graph's hardwareOathDevice id (account = the tenant). A re-run finds the
      -- row and skips the token; \`duo status\` compares these rows with what the service says.
      CREATE TABLE service_tokens (
        serial          TEXT NOT NULL REFERENCES tokens(serial),
        service         TEXT NOT NULL CHECK (service IN ('duo', 'entra')),
        account         TEXT NOT NULL,
        remote_id       TEXT NOT NULL,
        pushed_at_ms    INTEGER NOT NULL,
        -- the user it was attached to (Duo username, Entra UPN), when it was
        assigned_to     TEXT,
        assigned_at_ms  INTEGER,
        -- Entra: when the activation with a verification code succeeded
        activated_at_ms INTEGER,
        PRIMARY KEY (serial, service, account)
      ) STRICT;

      -- A token's profiles after its first (the first is in tokens): up to 8 in all, as the token
      -- holds. Their seeds came from services (key URIs, QR codes, a Google Authenticator
      -- transfer), so an import file does not carry them; escrow: sealed (AAD serial '#' slot)
      -- when the token was provisioned with --escrow, else NULL. Erased with the token's.
      CREATE TABLE token_profiles (
        serial    TEXT NOT NULL REFERENCES tokens(serial),
        slot      INTEGER NOT NULL CHECK (slot BETWEEN 2 AND 8),
        label     TEXT NOT NULL,
        kind      TEXT NOT NULL CHECK (kind IN ('totp', 'hotp')),
        algorithm TEXT NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256')),
        digits    INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 8),
        period    INTEGER NOT NULL CHECK (period > 0),
        counter   INTEGER NOT NULL CHECK (counter >= 0),
        escrow    BLOB,
        PRIMARY KEY (serial, slot)
      ) STRICT;

      -- Serials that differ only in case are one serial (recordPending asks): without this index
      -- that question read the whole table for every token (1.7 ms a token at 100,000).
      CREATE INDEX tokens_serial_nocase ON tokens(serial COLLATE NOCASE);

      -- A streamed export counts its token types and missing seeds from this index alone.
      CREATE INDEX tokens_profiles ON tokens(state, batch_id, kind, digits, escrow IS NULL);
    `,
  },
];
