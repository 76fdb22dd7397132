-- Entities already in the warehouse, by label and merge key: new mentions join them.
SELECT entity_id, label, key FROM entities WHERE key IS NOT NULL;
