//! `allocate`: the body of `POST /api/v1/sharing/allocate` (and of `hoshi share allocate FILE`),
//! read by the handler's own `hoshi_web::api::sharing::parse_request` and answered by its
//! `respond` (`hoshi_core::sharing::allocate` underneath), under the body's rule and under
//! each of the four rules.
//!
//! Checked: no panic, no arithmetic overflow (the checks run with overflow checks on), never
//! an internal error; and of every allocation: one share per participant in input order, each
//! share exactly the sum of its parts, each increment's parts adding up exactly to its cost,
//! the shares to the total; each stand-alone cost the increments up to the participant's level,
//! and `exceeds_stand_alone` exactly when the share is above it. Under the airport rules
//! (weighted_airport, shapley, nucleolus) nobody pays a yen of an increment above its level and
//! no group pays more than its most demanding member alone would (the core). Under
//! weighted_airport, shapley and proportional every part is its exact amount rounded down or
//! up, and every share is within a yen of its exact share.

use hoshi_core::sharing::{Rule, SharingError};
use hoshi_web::api::sharing::{parse_request, respond, AllocateResponse, Parsed};

pub fn check(data: &[u8]) {
    let Ok(parsed) = parse_request(data, None) else { return };
    check_rule(&parsed);
    for rule in Rule::ALL {
        if rule != parsed.rule {
            check_rule(&Parsed { rule, ..parsed.clone() });
        }
    }
}

fn check_rule(p: &Parsed) {
    let r = match respond(p) {
        Ok(r) => r,
        Err(e @ SharingError::Internal(_)) => panic!("internal error under {}: {e}", p.rule),
        Err(e) => {
            assert!(!e.to_string().is_empty() && !e.message_ja().is_empty());
            return;
        }
    };
    let back: AllocateResponse = serde_json::from_str(&serde_json::to_string(&r).expect("serialises")).expect("parses back");
    assert_eq!(back, r);
    assert_eq!(r.rule, p.rule.key());

    let mut incs = p.increments.clone();
    incs.sort_by_key(|i| i.level);
    let costs: Vec<u64> = incs.iter().map(|i| i.cost_yen.get()).collect();
    assert_eq!(
        r.increments.iter().map(|i| (i.level, i.cost_yen)).collect::<Vec<_>>(),
        incs.iter().map(|i| (i.level.get(), i.cost_yen.get())).collect::<Vec<_>>()
    );
    let total: u128 = costs.iter().map(|&c| u128::from(c)).sum();
    assert_eq!(u128::from(r.total_yen), total);
    assert_eq!(r.shares.len(), p.participants.len());

    let mut shares_sum = 0u128;
    let mut columns = vec![0u128; costs.len()];
    for (s, q) in r.shares.iter().zip(&p.participants) {
        assert_eq!(s.id, q.id);
        assert_eq!(s.by_increment.len(), costs.len());
        let parts: u128 = s.by_increment.iter().map(|&y| u128::from(y)).sum();
        assert_eq!(u128::from(s.share_yen), parts, "{}: share is not the sum of its parts", s.id);
        shares_sum += parts;
        for (c, &y) in columns.iter_mut().zip(&s.by_increment) {
            *c += u128::from(y);
        }
        let alone: u128 = incs.iter().filter(|i| i.level <= q.level).map(|i| u128::from(i.cost_yen.get())).sum();
        assert_eq!(u128::from(s.stand_alone_yen), alone, "{}: stand-alone cost", s.id);
        assert_eq!(s.exceeds_stand_alone, s.share_yen > s.stand_alone_yen);
    }
    assert_eq!(shares_sum, total, "the shares do not add up to the total");
    for (k, (&c, &cost)) in columns.iter().zip(&costs).enumerate() {
        assert_eq!(c, u128::from(cost), "increment {k}'s parts do not add up to its cost");
    }

    if p.rule != Rule::Proportional {
        for (s, q) in r.shares.iter().zip(&p.participants) {
            assert!(!s.exceeds_stand_alone, "{} pays above its stand-alone cost under {}", s.id, p.rule);
            for (inc, &y) in incs.iter().zip(&s.by_increment) {
                assert!(inc.level <= q.level || y == 0, "{} pays for {} above its level {}", s.id, inc.level, q.level);
            }
        }
        // The core: the participants whose stand-alone cost is at most c pay at most c together.
        for s in &r.shares {
            let group: u128 = r.shares.iter().filter(|o| o.stand_alone_yen <= s.stand_alone_yen).map(|o| u128::from(o.share_yen)).sum();
            assert!(group <= u128::from(s.stand_alone_yen), "a group up to {} pays {group}", s.stand_alone_yen);
        }
    }

    // The exact amounts of the proportional rules, and the rounding of each part and share.
    let weight = |q: &hoshi_core::sharing::Participant| match p.rule {
        Rule::Shapley => 1u128,
        _ => u128::from(q.weight),
    };
    if p.rule == Rule::Nucleolus {
        return;
    }
    let needs = |q: &hoshi_core::sharing::Participant, k: usize| p.rule == Rule::Proportional || q.level >= incs[k].level;
    for (s, q) in r.shares.iter().zip(&p.participants) {
        let mut exact = 0f64;
        let mut floors = 0u128;
        for (k, &cost) in costs.iter().enumerate() {
            let den: u128 = p.participants.iter().filter(|o| needs(o, k)).map(weight).sum();
            let num = if needs(q, k) { u128::from(cost) * weight(q) } else { 0 };
            let (lo, hi) = if cost == 0 || den == 0 { (0, 0) } else { (num / den, num.div_ceil(den)) };
            let y = u128::from(s.by_increment[k]);
            assert!(lo <= y && y <= hi, "{}: part {k} is {y}, not {num}/{den} rounded", s.id);
            floors += lo;
            if den > 0 {
                exact += (num % den) as f64 / den as f64;
            }
        }
        let up = (u128::from(s.share_yen) - floors) as f64;
        assert!((up - exact).abs() < 1.0 + 1e-6, "{}: share {} is more than a yen from its exact share", s.id, s.share_yen);
    }
}
