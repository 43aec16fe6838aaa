-- One Postgres server, three databases: the task store, the warehouse, Dagster's instance.
CREATE DATABASE scheduling;
CREATE DATABASE scheduling_warehouse;
CREATE DATABASE dagster;
