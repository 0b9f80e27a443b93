-- ASP.NET Core data-protection keys (they sign and encrypt web UI session cookies), kept in the store so sessions
-- survive a restart and every replica reads the same keys. The XML of each key is encrypted with the server's key
-- file before it is written here.
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml TEXT NOT NULL,
    created BIGINT NOT NULL
);
