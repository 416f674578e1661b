-- Run by infra/local/services/postgres.ts as the superuser in the application database, once after
-- initdb (and again if a bootstrap was interrupted). Every statement is idempotent.
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
-- pg_cron can only be created in the database named by cron.database_name.
CREATE EXTENSION IF NOT EXISTS pg_cron;

-- The application role is not a superuser: it gets what pg_partman's docs list for a partman role,
-- and may schedule its own pg_cron jobs.
GRANT ALL ON SCHEMA partman TO {{ROLE}};
GRANT ALL ON ALL TABLES IN SCHEMA partman TO {{ROLE}};
GRANT ALL ON ALL SEQUENCES IN SCHEMA partman TO {{ROLE}};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA partman TO {{ROLE}};
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA partman TO {{ROLE}};
GRANT TEMPORARY ON DATABASE {{DATABASE}} TO {{ROLE}};
GRANT USAGE ON SCHEMA cron TO {{ROLE}};
