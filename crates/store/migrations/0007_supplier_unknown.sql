-- A blank in the supplier file is not "no" (issue item 9): which of the three questions that decide
-- ★4 the buyer has not answered. While a question is unanswered (1 here), its answer column
-- holds 1 as well: the rule counts an unanswered question as yes, so rule_level is ★4 and a
-- reader that knows only the answer column never sees "no".
ALTER TABLE supplier_links ADD COLUMN holds_confidential_data_unknown BIGINT NOT NULL DEFAULT 0;
ALTER TABLE supplier_links ADD COLUMN outage_unacceptable_unknown BIGINT NOT NULL DEFAULT 0;
ALTER TABLE supplier_links ADD COLUMN network_access_unknown BIGINT NOT NULL DEFAULT 0;

-- How many warnings (blanks imported with an assumption) the person accepted with an import.
ALTER TABLE supplier_imports ADD COLUMN warnings BIGINT NOT NULL DEFAULT 0;
