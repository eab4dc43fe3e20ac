-- The gateway's user: it reads the projection and nothing else, and its
-- sessions cannot write (the gateway also asks for readonly = 2). No
-- password: the compose network is private, and port 8123 is published on
-- the host's loopback only.
CREATE USER IF NOT EXISTS reader IDENTIFIED WITH no_password SETTINGS readonly = 2;
GRANT SELECT ON aurigraph.* TO reader;
