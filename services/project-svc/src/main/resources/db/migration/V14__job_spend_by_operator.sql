-- Of what a paid job's settled epochs paid, how much went to each node operator's address (SettlementCompleted's
-- operators), as a JSON object of address to amount in token base units.
ALTER TABLE job ADD COLUMN funds_by_operator text NOT NULL DEFAULT '{}';
