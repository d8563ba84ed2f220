-- A round database as egov-survey 0.1 (migration m001_initial) wrote it, with one round.
-- Kept so that every later version is tested to open it.
BEGIN TRANSACTION;
CREATE TABLE adjudications (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	level FLOAT NOT NULL, 
	reason TEXT NOT NULL, 
	decided_by VARCHAR(100) NOT NULL, 
	decided_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, criterion)
);
CREATE TABLE agreement (
	round_id INTEGER NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	metric VARCHAR(50) NOT NULL, 
	value FLOAT, 
	n_items INTEGER NOT NULL, 
	computed_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, criterion, metric)
);
CREATE TABLE assignments (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	reviewer VARCHAR(100) NOT NULL, 
	assigned_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, reviewer)
);
CREATE TABLE captures (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	url TEXT NOT NULL, 
	final_url TEXT NOT NULL, 
	status INTEGER, 
	content_type VARCHAR(200) NOT NULL, 
	charset VARCHAR(50) NOT NULL, 
	declared_charset VARCHAR(50) NOT NULL, 
	length INTEGER NOT NULL, 
	truncated BOOLEAN NOT NULL, 
	fetched_at VARCHAR(32) NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	lang_version VARCHAR(20) NOT NULL, 
	depth INTEGER NOT NULL, 
	referrer TEXT NOT NULL, 
	link_text TEXT NOT NULL, 
	warc_path TEXT NOT NULL, 
	warc_offset INTEGER NOT NULL, 
	warc_length INTEGER NOT NULL, 
	payload_digest VARCHAR(80) NOT NULL, 
	elapsed_ms INTEGER NOT NULL, 
	error TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_capture UNIQUE (round_id, site_id, url, source)
);
CREATE TABLE check_results (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	check_id VARCHAR(100) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	level INTEGER, 
	explanation TEXT NOT NULL, 
	features_json TEXT NOT NULL, 
	findings_json TEXT NOT NULL, 
	error TEXT NOT NULL, 
	ran_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, check_id)
);
CREATE TABLE crawl_findings (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	url TEXT NOT NULL, 
	kind VARCHAR(50) NOT NULL, 
	detail TEXT NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE evidence (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	check_id VARCHAR(100) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	url TEXT NOT NULL, 
	label TEXT NOT NULL, 
	snippet TEXT NOT NULL, 
	location TEXT NOT NULL, 
	region_json TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE final_scores (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	level FLOAT, 
	provenance VARCHAR(20) NOT NULL, 
	detail TEXT NOT NULL, 
	computed_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, criterion)
);
CREATE TABLE grade_history (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	reviewer VARCHAR(100) NOT NULL, 
	old_level FLOAT, 
	new_level FLOAT, 
	old_cannot_assess BOOLEAN NOT NULL, 
	new_cannot_assess BOOLEAN NOT NULL, 
	note TEXT NOT NULL, 
	changed_by VARCHAR(100) NOT NULL, 
	changed_at VARCHAR(32) NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE grades (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	reviewer VARCHAR(100) NOT NULL, 
	level FLOAT, 
	cannot_assess BOOLEAN NOT NULL, 
	note TEXT NOT NULL, 
	evidence_urls TEXT NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, criterion, reviewer)
);
CREATE TABLE rounds (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	audit_date VARCHAR(10) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	rubric_id VARCHAR(100) NOT NULL, 
	rubric_version VARCHAR(50) NOT NULL, 
	rubric_sha256 VARCHAR(64) NOT NULL, 
	sites_sha256 VARCHAR(64) NOT NULL, 
	sites_path TEXT NOT NULL, 
	title TEXT NOT NULL, 
	country VARCHAR(3) NOT NULL, 
	settings_json TEXT NOT NULL, 
	notes TEXT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "rounds" VALUES(1,'2010','historical','2010-09-01','2026-11-22T18:22:19+00:00','ministry2010','1.0','5006e02b88f6c9be7e022049149a4645df10c7a55e1420b5c46c0f58e8e287cf','','','','','{}','');
CREATE TABLE schema_migrations (
	name VARCHAR(200) NOT NULL, 
	applied_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "schema_migrations" VALUES('m001_initial','2026-11-22T18:22:19.346870+00:00');
CREATE TABLE screenshots (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	url TEXT NOT NULL, 
	lang_version VARCHAR(20) NOT NULL, 
	path TEXT NOT NULL, 
	width INTEGER NOT NULL, 
	height INTEGER NOT NULL, 
	taken_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_screenshot UNIQUE (round_id, site_id, url)
);
CREATE TABLE site_scores (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	score FLOAT, 
	rank INTEGER, 
	graded INTEGER NOT NULL, 
	automated INTEGER NOT NULL, 
	computed_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id)
);
CREATE TABLE sites (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	name_json TEXT NOT NULL, 
	url TEXT NOT NULL, 
	current_url TEXT, 
	kind VARCHAR(50) NOT NULL, 
	config_json TEXT NOT NULL, 
	crawl_status VARCHAR(20) NOT NULL, 
	crawl_reason TEXT NOT NULL, 
	crawl_summary_json TEXT NOT NULL, 
	PRIMARY KEY (round_id, site_id), 
	FOREIGN KEY(round_id) REFERENCES rounds (id)
);
CREATE TABLE suggestions (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	criterion VARCHAR(100) NOT NULL, 
	level INTEGER, 
	reasons_json TEXT NOT NULL, 
	features_json TEXT NOT NULL, 
	evidence_count INTEGER NOT NULL, 
	PRIMARY KEY (round_id, site_id, criterion)
);
CREATE TABLE technical (
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	indicator VARCHAR(100) NOT NULL, 
	value_json TEXT NOT NULL, 
	computed_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (round_id, site_id, indicator)
);
CREATE TABLE traffic (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	site_id VARCHAR(200) NOT NULL, 
	metric VARCHAR(50) NOT NULL, 
	value FLOAT, 
	source TEXT NOT NULL, 
	period TEXT NOT NULL, 
	note TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE un_indices (
	country VARCHAR(3) NOT NULL, 
	year INTEGER NOT NULL, 
	egdi FLOAT, 
	osi FLOAT, 
	hci FLOAT, 
	tii FLOAT, 
	epart FLOAT, 
	rank INTEGER, 
	source TEXT NOT NULL, 
	PRIMARY KEY (country, year)
);
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	display_name TEXT NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	password_hash TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE INDEX ix_captures_site ON captures (round_id, site_id);
CREATE INDEX ix_findings_site ON crawl_findings (round_id, site_id);
CREATE INDEX ix_evidence_site ON evidence (round_id, site_id, criterion);
CREATE INDEX ix_history_cell ON grade_history (round_id, site_id, criterion);
COMMIT;
