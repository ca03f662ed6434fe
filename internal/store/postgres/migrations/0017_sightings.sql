-- Sightings from spoor match and the API besides STIX: the host or sensor
-- an indicator was seen on and the log it was found in, as the recorder
-- named them; how the sighting came in (match, api, stix); who recorded
-- it and when.
ALTER TABLE sightings ADD COLUMN sensor TEXT NOT NULL DEFAULT '';
ALTER TABLE sightings ADD COLUMN log_file TEXT NOT NULL DEFAULT '';
ALTER TABLE sightings ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE sightings ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';
ALTER TABLE sightings ADD COLUMN recorded_at BIGINT NOT NULL DEFAULT 0;
UPDATE sightings SET origin = 'stix' WHERE stix_id IS NOT NULL;
