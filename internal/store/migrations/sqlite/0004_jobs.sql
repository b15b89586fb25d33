-- Leases of the background jobs (DESIGN §5: safe with several nodes).
-- Before each run a node takes its job's lease until the end of the
-- current period; the lease passes to another node only once it has run
-- out, so each job runs once per period however many nodes there are.
-- last_run and last_error record the last attempt, for operators.
-- A platform table: it holds no tenant's rows.
CREATE TABLE job_leases (
    name       TEXT NOT NULL PRIMARY KEY,
    holder     TEXT NOT NULL,
    until      TIMESTAMP NOT NULL,
    last_run   TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT ''
);
