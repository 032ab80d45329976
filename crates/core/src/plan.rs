//! The remediation plan as decisions: which tasks the gaps make (one per gap, or one per
//! requirement), the due dates a plan proposes on its way to the target date, a task's status
//! and what may follow it, progress by category and level, and the renewal reminders a
//! certificate brings (★3 expiry, ★4's annual self-assessment) at 90, 30 and 7 days.

use std::collections::BTreeMap;

use hoshi_standard::Edition;

use crate::assessment::Gap;
use crate::time::{civil_from_days, days_from_civil};
use crate::Level;

/// How gaps become tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One task per criterion not met.
    Criterion,
    /// One task per requirement, closing all its criteria not met.
    Requirement,
}

impl Grouping {
    pub fn key(self) -> &'static str {
        match self {
            Grouping::Criterion => "criterion",
            Grouping::Requirement => "requirement",
        }
    }
    pub fn parse(s: &str) -> Option<Grouping> {
        match s.trim() {
            "" | "criterion" => Some(Grouping::Criterion),
            "requirement" => Some(Grouping::Requirement),
            _ => None,
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskStatus {
    Todo,
    Doing,
    Done,
    /// Decided not to do, with a reason (the gap stays).
    WontDo,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [TaskStatus::Todo, TaskStatus::Doing, TaskStatus::Done, TaskStatus::WontDo];
    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::Doing => "doing",
            TaskStatus::Done => "done",
            TaskStatus::WontDo => "wont_do",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.key() == s.trim())
    }
    pub fn name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (TaskStatus::Todo, true) => "未着手",
            (TaskStatus::Doing, true) => "対応中",
            (TaskStatus::Done, true) => "完了",
            (TaskStatus::WontDo, true) => "対応しない",
            (TaskStatus::Todo, false) => "To do",
            (TaskStatus::Doing, false) => "In progress",
            (TaskStatus::Done, false) => "Done",
            (TaskStatus::WontDo, false) => "Won't do",
        }
    }
    /// Still to be worked on.
    pub fn open(self) -> bool {
        matches!(self, TaskStatus::Todo | TaskStatus::Doing)
    }
}

/// A task the plan proposes: what it is for, the criteria it closes and its due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedTask {
    /// The criterion id, or the requirement id when grouped.
    pub key: String,
    pub criteria: Vec<String>,
    /// YYYY-MM-DD.
    pub due: String,
}

fn day_number(date: &str) -> Option<i64> {
    let d = crate::time::parse_date(date)?;
    let (y, m, dd) = (d[0..4].parse().ok()?, d[5..7].parse().ok()?, d[8..10].parse().ok()?);
    Some(days_from_civil(y, m, dd))
}

fn date_of(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days from `from` to `to` (both YYYY-MM-DD); `None` when either is not a date.
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(to)? - day_number(from)?)
}

/// The tasks the gaps make, lower levels first (a level needs every level below it), in catalog
/// order within a level, with due dates spread evenly from `today` to `target_date` (the last
/// task falls due on the target date; when the target is not after today every task is due on
/// the target date). Gaps of criteria the edition does not know are skipped.
pub fn propose(edition: &Edition, gaps: &[Gap], grouping: Grouping, today: &str, target_date: &str) -> Vec<ProposedTask> {
    let mut ordered: Vec<&Gap> = gaps.iter().filter(|g| edition.criterion(&g.criterion).is_some()).collect();
    ordered.sort_by_key(|g| g.level);
    let mut tasks: Vec<ProposedTask> = Vec::new();
    for g in ordered {
        let key = match grouping {
            Grouping::Criterion => g.criterion.clone(),
            Grouping::Requirement => edition.criterion(&g.criterion).map(|c| c.requirement.clone()).unwrap_or_default(),
        };
        match tasks.iter_mut().find(|t| t.key == key) {
            Some(t) => t.criteria.push(g.criterion.clone()),
            None => tasks.push(ProposedTask { key, criteria: vec![g.criterion.clone()], due: String::new() }),
        }
    }
    let start = day_number(today);
    let end = day_number(target_date);
    let n = tasks.len() as i64;
    for (i, t) in tasks.iter_mut().enumerate() {
        t.due = match (start, end) {
            (Some(s), Some(e)) if e > s => date_of(s + (e - s) * (i as i64 + 1) / n.max(1)),
            _ => crate::time::parse_date(target_date).unwrap_or_else(|| target_date.to_owned()),
        };
    }
    tasks
}

/// Counts of tasks by status within one group (a category or a level).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: u32,
    pub done: u32,
    pub wont_do: u32,
    pub overdue: u32,
}

impl Progress {
    /// Done tasks as a whole percentage of all (0 when there are none), rounded down.
    pub fn percent(&self) -> u32 {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// One task as the progress counts see it.
#[derive(Debug, Clone)]
pub struct TaskFacts<'a> {
    pub status: TaskStatus,
    pub due: Option<&'a str>,
    /// The categories and levels of the criteria it closes.
    pub categories: Vec<&'a str>,
    pub level: Level,
}

/// Whether an open task is past its due date on `today`.
pub fn overdue(status: TaskStatus, due: Option<&str>, today: &str) -> bool {
    status.open() && due.and_then(|d| days_between(today, d)).is_some_and(|left| left < 0)
}

/// Progress overall, per category (a task counts in each category of its criteria) and per level.
pub fn progress(tasks: &[TaskFacts<'_>], today: &str) -> (Progress, BTreeMap<String, Progress>, BTreeMap<u8, Progress>) {
    fn count(p: &mut Progress, t: &TaskFacts<'_>, late: bool) {
        p.total += 1;
        p.done += u32::from(t.status == TaskStatus::Done);
        p.wont_do += u32::from(t.status == TaskStatus::WontDo);
        p.overdue += u32::from(late);
    }
    let mut all = Progress::default();
    let mut by_cat: BTreeMap<String, Progress> = BTreeMap::new();
    let mut by_level: BTreeMap<u8, Progress> = BTreeMap::new();
    for t in tasks {
        let late = overdue(t.status, t.due, today);
        count(&mut all, t, late);
        count(by_level.entry(t.level.get()).or_default(), t, late);
        let mut cats: Vec<&str> = t.categories.clone();
        cats.sort_unstable();
        cats.dedup();
        for c in cats {
            count(by_cat.entry(c.to_owned()).or_default(), t, late);
        }
    }
    (all, by_cat, by_level)
}

/// What a certificate asks of its holder next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueKind {
    /// ★3 (or any level's) end of validity: renew before it.
    Expiry,
    /// ★4's annual self-assessment between third-party assessments.
    AnnualSelfAssessment,
}

/// A due date of a certificate and, when it is near, the reminder stage (90, 30 or 7 days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: DueKind,
    /// The moment (end of the JST day) it falls due.
    pub at: i64,
    /// Whole days left from `now` (negative once passed).
    pub days_left: i64,
    pub stage: Option<u32>,
}

/// The reminder stage for `days` days left: 90, 30 or 7 days before; none further out or once passed.
pub fn reminder_stage(days: i64) -> Option<u32> {
    if days < 0 {
        return None;
    }
    [7u32, 30, 90].into_iter().find(|limit| days <= i64::from(*limit))
}

/// The due dates of a certificate issued at `issued` and valid until `valid_until` (validity
/// `months`): when its level asks for an annual self-assessment (★4, as the edition says), every
/// one still ahead, and the expiry; nearest first, each with its reminder stage on `now`.
pub fn certificate_dues(annual: bool, issued: i64, valid_until: i64, months: u32, now: i64) -> Vec<Due> {
    let days = |at: i64| (at - now).div_euclid(86_400);
    let mut out = Vec::new();
    if annual {
        for at in crate::time::annual_due_dates(issued, months) {
            if at >= now {
                out.push(Due { kind: DueKind::AnnualSelfAssessment, at, days_left: days(at), stage: reminder_stage(days(at)) });
            }
        }
    }
    out.push(Due { kind: DueKind::Expiry, at: valid_until, days_left: days(valid_until), stage: reminder_stage(days(valid_until)) });
    out.sort_by_key(|d| d.at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::evaluate;
    use std::collections::HashMap;

    fn edition() -> Edition {
        hoshi_standard::embedded_edition(None).expect("edition")
    }

    #[test]
    fn every_gap_gets_one_task_lower_levels_first_and_the_last_is_due_on_the_target() {
        let ed = edition();
        let ev = evaluate(&ed, &HashMap::new(), Level::THREE);
        let tasks = propose(&ed, &ev.gaps, Grouping::Criterion, "2026-12-01", "2027-03-31");
        assert_eq!(tasks.len(), ev.gaps.len());
        assert_eq!(tasks.last().map(|t| t.due.as_str()), Some("2027-03-31"));
        let levels: Vec<u8> = tasks.iter().map(|t| ed.criterion(&t.key).expect("criterion").level.get()).collect();
        assert!(levels.windows(2).all(|w| w[0] <= w[1]), "lower levels first");
        assert!(tasks.windows(2).all(|w| w[0].due <= w[1].due), "due dates never go back");
        assert!(tasks[0].due.as_str() > "2026-12-01");
    }

    #[test]
    fn grouping_by_requirement_closes_every_gap_once() {
        let ed = edition();
        let ev = evaluate(&ed, &HashMap::new(), Level::THREE);
        let tasks = propose(&ed, &ev.gaps, Grouping::Requirement, "2026-12-01", "2027-03-31");
        assert!(tasks.len() < ev.gaps.len());
        let mut all: Vec<&String> = tasks.iter().flat_map(|t| &t.criteria).collect();
        all.sort();
        let mut gaps: Vec<&String> = ev.gaps.iter().map(|g| &g.criterion).collect();
        gaps.sort();
        assert_eq!(all, gaps);
        for t in &tasks {
            assert!(t.criteria.iter().all(|c| ed.criterion(c).expect("c").requirement == t.key));
        }
    }

    #[test]
    fn a_past_target_puts_every_task_on_it() {
        let ed = edition();
        let ev = evaluate(&ed, &HashMap::new(), Level::THREE);
        let tasks = propose(&ed, &ev.gaps[..3], Grouping::Criterion, "2027-05-01", "2027-03-31");
        assert!(tasks.iter().all(|t| t.due == "2027-03-31"));
    }

    #[test]
    fn progress_counts_done_wont_do_and_overdue_per_group() {
        let t = |status, due, cats: Vec<&'static str>, level| TaskFacts { status, due, categories: cats, level };
        let tasks = vec![
            t(TaskStatus::Done, Some("2026-01-01"), vec!["protect"], Level::THREE),
            t(TaskStatus::Todo, Some("2026-01-01"), vec!["protect", "protect", "detect"], Level::THREE),
            t(TaskStatus::Doing, Some("2027-01-01"), vec!["detect"], Level::TWO),
            t(TaskStatus::WontDo, Some("2026-01-01"), vec!["detect"], Level::TWO),
        ];
        let (all, cat, lvl) = progress(&tasks, "2026-06-01");
        assert_eq!(all, Progress { total: 4, done: 1, wont_do: 1, overdue: 1 });
        assert_eq!(all.percent(), 25);
        assert_eq!(cat["protect"], Progress { total: 2, done: 1, wont_do: 0, overdue: 1 });
        assert_eq!(cat["detect"].total, 3);
        assert_eq!(lvl[&2].total, 2);
        assert_eq!(Progress::default().percent(), 0);
    }

    #[test]
    fn reminders_at_90_30_and_7_days_and_star_four_has_annual_dues() {
        assert_eq!(reminder_stage(91), None);
        assert_eq!(reminder_stage(90), Some(90));
        assert_eq!(reminder_stage(31), Some(90));
        assert_eq!(reminder_stage(30), Some(30));
        assert_eq!(reminder_stage(8), Some(30));
        assert_eq!(reminder_stage(7), Some(7));
        assert_eq!(reminder_stage(0), Some(7));
        assert_eq!(reminder_stage(-1), None);
        let issued = 1_790_000_000;
        let until4 = crate::time::valid_until(issued, 36);
        let d4 = certificate_dues(true, issued, until4, 36, issued);
        assert_eq!(d4.iter().filter(|d| d.kind == DueKind::AnnualSelfAssessment).count(), 2);
        assert_eq!(d4.last().map(|d| d.kind), Some(DueKind::Expiry));
        let until3 = crate::time::valid_until(issued, 12);
        let d3 = certificate_dues(false, issued, until3, 12, until3 - 10 * 86_400);
        assert_eq!(d3.len(), 1);
        assert_eq!(d3[0].stage, Some(30));
        assert_eq!(d3[0].days_left, 10);
    }

    #[test]
    fn statuses_round_trip() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.key()), Some(s));
        }
        assert_eq!(TaskStatus::parse("finished"), None);
        assert_eq!(Grouping::parse("requirement"), Some(Grouping::Requirement));
        assert_eq!(Grouping::parse("x"), None);
    }
}
