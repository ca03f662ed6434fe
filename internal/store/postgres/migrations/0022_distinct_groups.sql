-- Pairs of groups an analyst said are not the same group, so that the
-- possible-duplicates list stops proposing them. Stored once, lower ID
-- first; merging or deleting either group drops the answer.
CREATE TABLE distinct_groups (
	group_a    BIGINT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	group_b    BIGINT NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
	reason     TEXT NOT NULL,
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at BIGINT NOT NULL,
	PRIMARY KEY (group_a, group_b),
	CHECK (group_a < group_b)
);
