-- One database per service (each owns its data and its Alembic history); dmb_datasets is the default DB.
CREATE DATABASE dmb_gateway;
CREATE DATABASE dmb_schema;
CREATE DATABASE dmb_generator;
CREATE DATABASE dmb_ai;
CREATE DATABASE dmb_exporter;
