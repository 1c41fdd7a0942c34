-- A signal's de-duplication key becomes 16 bytes (uuid) instead of 64 hexadecimal characters: the
-- unique index every stored signal goes through shrinks to less than half, which makes bulk loads
-- faster. Keys that were SHA-256 hex keep their first 128 bits, which is what uploads compute from
-- now on, so a record sent again after the upgrade is still recognised as a duplicate; any other key
-- text (written by the directory and by derived signals) is hashed with MD5 into a uuid, as
-- openirm_dedupe_key() does for new ones.

CREATE OR REPLACE FUNCTION openirm_dedupe_key(key text) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN key ~ '^[0-9a-f]{64}$' THEN left(key, 32)::uuid ELSE md5(key)::uuid END $$;

ALTER TABLE signals ALTER COLUMN dedupe_key TYPE uuid USING openirm_dedupe_key(dedupe_key);

ALTER TABLE upload_staging ALTER COLUMN dedupe_key TYPE uuid USING openirm_dedupe_key(dedupe_key);
