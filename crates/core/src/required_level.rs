//! Which ★ a buyer should ask of a supplier: the scheme's published decision rule.

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

/// ★4 if any of the three holds, otherwise ★3. (★5 is a buyer's choice for its most critical
/// partners and is never implied by the rule.)
pub fn required_level(facts: RelationshipFacts) -> Level {
    if facts.holds_confidential_data || facts.outage_unacceptable || facts.network_access {
        Level::FOUR
    } else {
        Level::THREE
    }
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
        }
    }
}
