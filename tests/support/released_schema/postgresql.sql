-- Landing Zone's own tables as the first released version made them (metadata.create_all),
-- on PostgreSQL. Frozen: this is what revision 0001 must recognise and upgrade; never edit it.

CREATE TABLE lz_landing_zones (
	id VARCHAR(40) NOT NULL,
	idempotency_key VARCHAR(200),
	name_claim VARCHAR(130),
	request_hash VARCHAR(64) NOT NULL,
	request JSON NOT NULL,
	name VARCHAR(63) NOT NULL,
	class_id VARCHAR(32) NOT NULL,
	tenant VARCHAR(63) NOT NULL,
	owner VARCHAR(200) NOT NULL,
	status VARCHAR(32) NOT NULL,
	links JSON NOT NULL,
	resources JSON NOT NULL,
	error_step VARCHAR(32),
	error_message TEXT,
	run INTEGER NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (idempotency_key),
	UNIQUE (name_claim)
);

CREATE INDEX lz_by_tenant_name ON lz_landing_zones (tenant, name);

CREATE INDEX lz_by_owner ON lz_landing_zones (owner, created_at);

CREATE TABLE lz_steps (
	landing_zone_id VARCHAR(40) NOT NULL,
	name VARCHAR(32) NOT NULL,
	position INTEGER NOT NULL,
	status VARCHAR(16) NOT NULL,
	started_at TIMESTAMP WITH TIME ZONE,
	finished_at TIMESTAMP WITH TIME ZONE,
	attempts INTEGER NOT NULL,
	waiting JSON,
	PRIMARY KEY (landing_zone_id, name)
);

CREATE TABLE lz_events (
	landing_zone_id VARCHAR(40) NOT NULL,
	seq INTEGER NOT NULL,
	dedupe_key VARCHAR(200) NOT NULL,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	step VARCHAR(32),
	kind VARCHAR(32) NOT NULL,
	message TEXT NOT NULL,
	data JSON NOT NULL,
	PRIMARY KEY (landing_zone_id, seq),
	CONSTRAINT lz_events_once UNIQUE (landing_zone_id, dedupe_key)
);

CREATE TABLE lz_replicas (
	executor_id VARCHAR(200) NOT NULL,
	heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL,
	taken_over_by VARCHAR(200),
	PRIMARY KEY (executor_id)
);
