//! Which ★ a buyer should ask of a supplier: the scheme's published decision rule.
//!
//! A question the buyer has not answered is not "no" (issue item 9): a supplier list with a blank
//! cell, or without the column at all, says nothing about that relationship. Until the buyer
//! answers, an unanswered question counts as **yes** ([`RelationshipAnswers::assumed`]): the rule
//! then asks ★4, never ★3 by default, and the risk score counts the impact of that question. The
//! answer itself stays unknown (stored as such and shown as "not answered"), so the buyer can
//! see why ★4 is asked and answer it.

use hoshi_ids::Level;
use serde::{Deserialize, Serialize};

/// The three questions of the published rule, answered for one supplier relationship.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipFacts {
    /// The supplier's IT holds the buyer's important confidential information.
    pub holds_confidential_data: bool,
    /// A stoppage at the supplier would cause the buyer an unacceptable delay.
    pub outage_unacceptable: bool,
    /// The supplier's environment can reach the buyer's internal systems.
    pub network_access: bool,
}

/// The three questions as the buyer answered them: `None` when not answered (a blank cell or a
/// missing column), which is not the same as "no".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipAnswers {
    pub holds_confidential_data: Option<bool>,
    pub outage_unacceptable: Option<bool>,
    pub network_access: Option<bool>,
}

impl From<RelationshipFacts> for RelationshipAnswers {
    /// Every question answered.
    fn from(f: RelationshipFacts) -> Self {
        RelationshipAnswers {
            holds_confidential_data: Some(f.holds_confidential_data),
            outage_unacceptable: Some(f.outage_unacceptable),
            network_access: Some(f.network_access),
        }
    }
}

impl RelationshipAnswers {
    /// The facts the rule, the risk score and the network weigh: an unanswered question counts as
    /// yes, so a blank can only ever raise what is asked of a supplier, never lower it.
    pub fn assumed(self) -> RelationshipFacts {
        RelationshipFacts {
            holds_confidential_data: self.holds_confidential_data.unwrap_or(true),
            outage_unacceptable: self.outage_unacceptable.unwrap_or(true),
            network_access: self.network_access.unwrap_or(true),
        }
    }

    /// Whether every question has an answer.
    pub fn is_complete(self) -> bool {
        self.holds_confidential_data.is_some() && self.outage_unacceptable.is_some() && self.network_access.is_some()
    }

    /// The keys of the unanswered questions, in the order of the file's columns
    /// (`holds_confidential_data`, `outage_unacceptable`, `network_access`).
    pub fn unanswered(self) -> Vec<&'static str> {
        [
            ("holds_confidential_data", self.holds_confidential_data),
            ("outage_unacceptable", self.outage_unacceptable),
            ("network_access", self.network_access),
        ]
        .into_iter()
        .filter(|(_, a)| a.is_none())
        .map(|(k, _)| k)
        .collect()
    }
}

/// ★4 if any of the three holds, otherwise ★3. (★5 is a buyer's choice for its most critical
/// partners and is never implied by the rule.)
pub fn required_level(facts: RelationshipFacts) -> Level {
    if facts.holds_confidential_data || facts.outage_unacceptable || facts.network_access {
        Level::FOUR
    } else {
        Level::THREE
    }
}

/// The rule over answers that may be missing: ★3 only when all three are answered "no".
pub fn required_level_of(answers: RelationshipAnswers) -> Level {
    required_level(answers.assumed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_the_three_questions_asks_for_star_four() {
        for bits in 0u8..8 {
            let f = RelationshipFacts {
                holds_confidential_data: bits & 1 != 0,
                outage_unacceptable: bits & 2 != 0,
                network_access: bits & 4 != 0,
            };
            let want = if bits == 0 { Level::THREE } else { Level::FOUR };
            assert_eq!(required_level(f), want, "{f:?}");
            assert_eq!(required_level_of(f.into()), want, "answered: the same rule");
        }
    }

    #[test]
    fn an_unanswered_question_is_never_read_as_no() {
        // Every combination of yes / no / unanswered: ★3 only for no, no, no.
        let options = [Some(false), Some(true), None];
        for a in options {
            for b in options {
                for c in options {
                    let answers = RelationshipAnswers { holds_confidential_data: a, outage_unacceptable: b, network_access: c };
                    let want = if [a, b, c] == [Some(false); 3] { Level::THREE } else { Level::FOUR };
                    assert_eq!(required_level_of(answers), want, "{answers:?}");
                    assert_eq!(answers.is_complete(), a.is_some() && b.is_some() && c.is_some());
                }
            }
        }
        let one_blank =
            RelationshipAnswers { holds_confidential_data: Some(false), outage_unacceptable: None, network_access: Some(false) };
        assert_eq!(one_blank.unanswered(), vec!["outage_unacceptable"]);
        assert!(one_blank.assumed().outage_unacceptable);
        assert_eq!(RelationshipAnswers::default().unanswered().len(), 3);
    }
}
