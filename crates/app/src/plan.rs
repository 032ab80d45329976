//! The remediation plan of an assessment: one task per gap (or per requirement) with an owner,
//! a due date on the way to a target date, a status, the cost lines of the estimate and the
//! evidence that closes it. Closing a task with evidence answers its criteria "met" (recorded in
//! the answer history like any answer) and keeps the file in the evidence library.
//!
//! The supplier's own people see and change the plan; an expert or assessment body engaged on
//! the assessment sees it. Buyers do not.

use std::collections::{BTreeMap, HashMap};

use hoshi_core::plan::{self as core, Grouping, Progress, TaskFacts, TaskStatus};
use hoshi_core::time::{jst_date_string, parse_date};
use hoshi_core::{Level, Yen};
use hoshi_store::assessments::{self as adb, AnswerRow};
use hoshi_store::library as ldb;
use hoshi_store::plans::{self as db, Plan, Task, TaskChange};
use hoshi_store::{users, Conn};

use crate::assessment::{edition, Access, AssessmentView};
use crate::{Actor, App, AppError};

/// One task as a page or an export shows it.
#[derive(Debug, Clone)]
pub struct PlanTask {
    pub task: Task,
    pub status: TaskStatus,
    /// The criteria it closes, in catalog order.
    pub criteria: Vec<String>,
    /// What to do, from the catalog (the criterion's text, or the requirement's title).
    pub title_ja: String,
    pub title_en: String,
    pub categories: Vec<String>,
    pub level: Level,
    /// The estimate's lines for its criteria (quotes included).
    pub one_off: Yen,
    pub annual: Yen,
    pub hours: u64,
    /// The evidence that closed it: (library item id, title, file SHA-256).
    pub evidence: Option<(i64, String, String)>,
    pub overdue: bool,
}

/// A plan with its tasks and progress.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: Plan,
    pub tasks: Vec<PlanTask>,
    pub progress: Progress,
    pub by_category: BTreeMap<String, Progress>,
    pub by_level: BTreeMap<u8, Progress>,
    /// Today in JST (YYYY-MM-DD).
    pub today: String,
    /// Days from today to the target date (negative once passed).
    pub days_left: i64,
    /// Gaps of the assessment that no task covers (new gaps since the plan was made).
    pub uncovered: Vec<String>,
    /// The plan's totals of the cost lines.
    pub one_off: Yen,
    pub annual: Yen,
    /// Whether the actor may change it.
    pub editable: bool,
}

/// Evidence that closes a task: a new file, or one already in the library.
#[derive(Debug, Clone)]
pub enum Closing<'a> {
    Upload { filename: &'a str, bytes: &'a [u8] },
    Library(i64),
}

fn no_plan() -> AppError {
    AppError::not_found("改善計画がありません。", "There is no remediation plan.")
}

fn no_task() -> AppError {
    AppError::not_found("タスクが見つかりません。", "No such task.")
}

fn status_error() -> AppError {
    AppError::invalid(
        "status",
        "状態は未着手・対応中・完了・対応しないから選んでください。",
        "Choose the status: to do, in progress, done or won't do.",
    )
}

impl App {
    /// The plan of an assessment as the actor may see it (owner or engaged provider), or `None`
    /// when there is none yet.
    pub async fn plan(&self, actor: &Actor, assessment_id: i64) -> Result<Option<PlanView>, AppError> {
        let view = self.assessment(actor, assessment_id).await?;
        if !matches!(view.access, Access::Owner | Access::Provider(_)) {
            return Err(AppError::not_found("改善計画は共有されていません。", "The remediation plan was not shared with you."));
        }
        let mut conn = self.store.pool().acquire().await?;
        let Some(plan) = db::plan_of_assessment(&mut conn, assessment_id).await? else { return Ok(None) };
        let can_write = actor.require_write().is_ok();
        Ok(Some(self.plan_view(&mut conn, can_write, &view, plan).await?))
    }

    async fn plan_view(&self, conn: &mut Conn, can_write: bool, view: &AssessmentView, plan: Plan) -> Result<PlanView, AppError> {
        let today = jst_date_string(self.now());
        let ed = &view.edition;
        let mut criteria: HashMap<i64, Vec<String>> = HashMap::new();
        for (task, c) in db::task_criteria(conn, plan.id).await? {
            criteria.entry(task).or_default().push(c);
        }
        let lines: HashMap<&str, _> = view.estimate.lines.iter().map(|l| (l.criterion.as_str(), l)).collect();
        let items: HashMap<i64, ldb::Item> = ldb::items(conn, view.assessment.org_id).await?.into_iter().map(|i| (i.id, i)).collect();
        let latest: HashMap<i64, String> =
            ldb::latest_versions(conn, view.assessment.org_id).await?.into_iter().map(|v| (v.item_id, v.sha256)).collect();
        let mut tasks = Vec::new();
        for t in db::tasks(conn, plan.id).await? {
            let mut cs = criteria.remove(&t.id).unwrap_or_default();
            cs.sort_by_key(|c| ed.criteria.iter().position(|x| &x.id == c).unwrap_or(usize::MAX));
            let (title_ja, title_en) = match (ed.criterion(&t.task_key), ed.requirement(&t.task_key)) {
                (Some(c), _) => (c.text.ja.clone(), c.text.en.clone()),
                (None, Some(r)) => (r.title.ja.clone(), r.title.en.clone()),
                _ => (t.task_key.clone(), t.task_key.clone()),
            };
            let mut categories: Vec<String> = cs.iter().filter_map(|c| ed.criterion(c)).map(|c| c.category.clone()).collect();
            categories.dedup();
            let level = cs.iter().filter_map(|c| ed.criterion(c)).map(|c| c.level).max().unwrap_or(Level::THREE);
            let (mut one_off, mut annual, mut hours) = (Yen::ZERO, Yen::ZERO, 0u64);
            for c in &cs {
                if let Some(l) = lines.get(c.as_str()) {
                    one_off = one_off.checked_add(l.one_off).unwrap_or(one_off);
                    annual = annual.checked_add(l.annual).unwrap_or(annual);
                    hours += l.hours;
                }
            }
            let status = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo);
            let evidence = t.evidence_item_id.and_then(|id| {
                let item = items.get(&id)?;
                Some((id, item.title.clone(), latest.get(&id).cloned().unwrap_or_default()))
            });
            let overdue = core::overdue(status, t.due_date.as_deref(), &today);
            tasks.push(PlanTask {
                status,
                criteria: cs,
                title_ja,
                title_en,
                categories,
                level,
                one_off,
                annual,
                hours,
                evidence,
                overdue,
                task: t,
            });
        }
        let facts: Vec<TaskFacts<'_>> = tasks
            .iter()
            .map(|t| TaskFacts {
                status: t.status,
                due: t.task.due_date.as_deref(),
                categories: t.categories.iter().map(String::as_str).collect(),
                level: t.level,
            })
            .collect();
        let (progress, by_category, by_level) = core::progress(&facts, &today);
        let covered: std::collections::HashSet<&str> = tasks.iter().flat_map(|t| t.criteria.iter().map(String::as_str)).collect();
        let uncovered =
            view.evaluation.gaps.iter().filter(|g| !covered.contains(g.criterion.as_str())).map(|g| g.criterion.clone()).collect();
        let one_off = tasks.iter().fold(Yen::ZERO, |s, t| s.checked_add(t.one_off).unwrap_or(s));
        let annual = tasks.iter().fold(Yen::ZERO, |s, t| s.checked_add(t.annual).unwrap_or(s));
        Ok(PlanView {
            days_left: core::days_between(&today, &plan.target_date).unwrap_or(0),
            editable: view.access == Access::Owner && can_write && view.status.editable() && !view.locked(),
            plan,
            tasks,
            progress,
            by_category,
            by_level,
            today,
            uncovered,
            one_off,
            annual,
        })
    }

    /// Makes the plan of an editable assessment from its gaps: one task per gap (`criterion`)
    /// or per requirement (`requirement`), due dates spread to the target date. When the plan
    /// exists, the target date changes and gaps no task covers get tasks of their own.
    /// Returns how many tasks were added.
    pub async fn create_plan(&self, actor: &Actor, assessment_id: i64, target_date: &str, grouping: &str) -> Result<usize, AppError> {
        let target = parse_date(target_date).ok_or_else(|| {
            AppError::invalid(
                "target_date",
                "目標日はYYYY-MM-DDの形の実在する日付で入力してください（例: 2027-03-31）。",
                "Enter the target date as a real date, YYYY-MM-DD (e.g. 2027-03-31).",
            )
        })?;
        let grouping = Grouping::parse(grouping).ok_or_else(|| {
            AppError::invalid(
                "grouping",
                "タスクの単位は評価基準か要求事項から選んでください。",
                "Group tasks by criterion or by requirement.",
            )
        })?;
        let view = self.assessment(actor, assessment_id).await?;
        let now = self.now();
        let today = jst_date_string(now);
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, assessment_id).await?;
        let plan = match db::plan_of_assessment(&mut tx, a.id).await? {
            Some(mut p) => {
                p.target_date = target.clone();
                p.target_level = i64::from(a.target_level);
                p.updated_at = now;
                db::update_plan(&mut tx, &p).await?;
                p
            }
            None => {
                db::insert_plan(
                    &mut tx,
                    &Plan {
                        id: 0,
                        assessment_id: a.id,
                        target_level: i64::from(a.target_level),
                        target_date: target.clone(),
                        grouping: grouping.key().to_owned(),
                        created_by: actor.user_id,
                        created_at: now,
                        updated_at: now,
                    },
                )
                .await?
            }
        };
        let existing = db::tasks(&mut tx, plan.id).await?;
        let covered: std::collections::HashSet<String> = db::task_criteria(&mut tx, plan.id).await?.into_iter().map(|(_, c)| c).collect();
        let gaps: Vec<_> = view.evaluation.gaps.iter().filter(|g| !covered.contains(&g.criterion)).cloned().collect();
        let ed = edition(&a.edition)?;
        let base = existing.iter().map(|t| t.position).max().unwrap_or(0);
        let mut added = 0;
        for (i, p) in
            core::propose(&ed, &gaps, Grouping::parse(&plan.grouping).unwrap_or(grouping), &today, &target).into_iter().enumerate()
        {
            let position = base + i as i64 + 1;
            // A requirement already planned gets its new gaps as a task of the criterion.
            let key = if existing.iter().any(|t| t.task_key == p.key) { p.criteria[0].clone() } else { p.key.clone() };
            db::insert_task(
                &mut tx,
                &Task {
                    id: 0,
                    plan_id: plan.id,
                    position,
                    task_key: key,
                    owner: String::new(),
                    due_date: Some(p.due),
                    status: TaskStatus::Todo.key().to_owned(),
                    reason: String::new(),
                    evidence_item_id: None,
                    closed_at: None,
                    updated_by: actor.user_id,
                    updated_at: now,
                },
                &p.criteria,
            )
            .await?;
            added += 1;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The actor's task, with its plan, for a change: owner, writable, assessment editable.
    async fn own_task(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        assessment_id: i64,
        task_id: i64,
    ) -> Result<(Task, Plan, hoshi_store::assessments::Assessment), AppError> {
        let task = db::task(conn, task_id).await.map_err(|_| no_task())?;
        let plan = sqlx_plan(conn, task.plan_id).await?;
        let a = adb::get(conn, plan.assessment_id).await.map_err(|_| no_task())?;
        // The task must be of the assessment the request names, and the actor's.
        if a.org_id != actor.org.id || a.id != assessment_id {
            return Err(no_task());
        }
        let a = self.owned_editable(conn, actor, a.id).await?;
        Ok((task, plan, a))
    }

    /// Changes a task's owner, due date and status (`todo`, `doing`, `wont_do` with a reason;
    /// `done` only through [`App::close_task`], with evidence). Every change is kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_task(
        &self,
        actor: &Actor,
        assessment_id: i64,
        task_id: i64,
        owner: &str,
        due: &str,
        status: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let status = TaskStatus::parse(status).ok_or_else(status_error)?;
        let due = if due.trim().is_empty() {
            None
        } else {
            Some(parse_date(due).ok_or_else(|| {
                AppError::invalid(
                    "due_date",
                    "期日はYYYY-MM-DDの形の実在する日付で入力してください。",
                    "Enter the due date as a real date, YYYY-MM-DD.",
                )
            })?)
        };
        let reason = reason.trim();
        if status == TaskStatus::WontDo && reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "「対応しない」にするには理由を書いてください（ギャップは残り、レベルは達成できません）。",
                "Give a reason for \"won't do\" (the gap stays, and the level cannot be reached).",
            ));
        }
        if owner.chars().count() > 200 || reason.chars().count() > 2000 {
            return Err(AppError::invalid(
                "owner",
                "担当者は200文字、理由は2000文字までです。",
                "The owner is limited to 200 characters and the reason to 2,000.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let (mut task, _, _) = self.own_task(&mut tx, actor, assessment_id, task_id).await?;
        let was = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::Todo);
        if status == TaskStatus::Done && was != TaskStatus::Done {
            return Err(AppError::invalid(
                "status",
                "完了にするには、対応を示す証跡を添えて「証跡を添えて完了」から閉じてください。",
                "To mark a task done, close it with the evidence that shows it (\"Close with evidence\").",
            ));
        }
        task.owner = owner.trim().to_owned();
        task.due_date = due;
        task.status = status.key().to_owned();
        task.reason = if status == TaskStatus::WontDo { reason.to_owned() } else { String::new() };
        if status != TaskStatus::Done {
            task.closed_at = None;
        }
        task.updated_by = actor.user_id;
        task.updated_at = self.now();
        db::update_task(&mut tx, &task).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a task with evidence: the file (new, or from the library) becomes the evidence of
    /// every criterion of the task, each is answered "met" (in the answer history, with a note
    /// naming the task) and the task is done. All in one transaction.
    pub async fn close_task(
        &self,
        actor: &Actor,
        assessment_id: i64,
        task_id: i64,
        evidence: Closing<'_>,
        note: &str,
    ) -> Result<(), AppError> {
        if note.chars().count() > 4000 {
            return Err(AppError::invalid("note", "メモは4000文字までです。", "Notes are limited to 4,000 characters."));
        }
        let mut tx = self.store.begin().await?;
        let (mut task, plan, a) = self.own_task(&mut tx, actor, assessment_id, task_id).await?;
        let ed = edition(&a.edition)?;
        let criteria: Vec<String> =
            db::task_criteria(&mut tx, plan.id).await?.into_iter().filter(|(t, _)| *t == task.id).map(|(_, c)| c).collect();
        let yearly = criteria.iter().any(|c| ed.criterion(c).is_some_and(|c| c.yearly_check()));
        let (item_id, sha, filename) = match evidence {
            Closing::Upload { filename, bytes } => {
                let (item, v) = self.create_item(&mut tx, actor, "", filename, bytes, "", "", yearly).await?;
                (item.id, v.sha256, v.filename)
            }
            Closing::Library(id) => {
                let item = ldb::item(&mut tx, id).await.map_err(|_| AppError::not_found("証跡が見つかりません。", "No such evidence."))?;
                if item.org_id != actor.org.id {
                    return Err(AppError::not_found("証跡が見つかりません。", "No such evidence."));
                }
                let v = ldb::versions(&mut tx, id)
                    .await?
                    .pop()
                    .ok_or_else(|| AppError::not_found("証跡が見つかりません。", "No such evidence."))?;
                (id, v.sha256, v.filename)
            }
        };
        let now = self.now();
        let existing: HashMap<String, AnswerRow> =
            adb::answers(&mut tx, a.id).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
        let task_note = format!("改善計画のタスク#{} で対応 / Closed by plan task #{}", task.position, task.position);
        for c in &criteria {
            adb::link_evidence(&mut tx, a.id, c, item_id, &sha, &filename, actor.user_id, now).await?;
            let old_note = existing.get(c).map(|r| r.note.trim().to_owned()).unwrap_or_default();
            let note = [old_note.as_str(), note.trim(), task_note.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            adb::put_answer(
                &mut tx,
                a.id,
                &AnswerRow {
                    criterion: c.clone(),
                    status: "met".into(),
                    reason: String::new(),
                    note,
                    by: actor.user_id,
                    at: now,
                    carried_over: false,
                },
            )
            .await?;
        }
        task.status = TaskStatus::Done.key().to_owned();
        task.reason = String::new();
        task.evidence_item_id = Some(item_id);
        task.closed_at = Some(now);
        task.updated_by = actor.user_id;
        task.updated_at = now;
        db::update_task(&mut tx, &task).await?;
        let mut a = a;
        a.updated_at = now;
        adb::update(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every change of a task, oldest first, with who made it.
    pub async fn task_history(&self, actor: &Actor, assessment_id: i64, task_id: i64) -> Result<Vec<(TaskChange, String)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let task = db::task(&mut conn, task_id).await.map_err(|_| no_task())?;
        let plan = sqlx_plan(&mut conn, task.plan_id).await?;
        let a = adb::get(&mut conn, plan.assessment_id).await.map_err(|_| no_task())?;
        if a.id != assessment_id {
            return Err(no_task());
        }
        if !matches!(self.access(&mut conn, actor, &a).await?, Access::Owner | Access::Provider(_)) {
            return Err(no_task());
        }
        let mut out = Vec::new();
        for h in db::task_history(&mut conn, task.id).await? {
            let who = users::get(&mut conn, h.changed_by).await.map(|u| u.display_name).unwrap_or_default();
            out.push((h, who));
        }
        Ok(out)
    }

    /// The organisation's open tasks past their due date: (assessment id, task), earliest first.
    pub async fn overdue_tasks(&self, actor: &Actor) -> Result<Vec<(i64, Task)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(db::overdue_tasks(&mut conn, actor.org.id, &jst_date_string(self.now())).await?)
    }

    /// The plan of the supplier's newest assessment that has one, for exports from the command
    /// line (the operator's own machine): the assessment and its plan.
    pub async fn admin_latest_plan(&self, supplier: &hoshi_core::CorporateNumber) -> Result<(AssessmentView, PlanView), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let org = hoshi_store::orgs::by_corporate_number(&mut conn, supplier).await?.ok_or_else(no_plan)?;
        for a in adb::list_for_org(&mut conn, org.id).await? {
            if let Some(plan) = db::plan_of_assessment(&mut conn, a.id).await? {
                let view = self.load_view(&mut conn, a, Access::Owner).await?;
                let pv = self.plan_view(&mut conn, false, &view, plan).await?;
                return Ok((view, pv));
            }
        }
        Err(no_plan())
    }
}

async fn sqlx_plan(conn: &mut Conn, plan_id: i64) -> Result<Plan, AppError> {
    db::plan(conn, plan_id).await?.ok_or_else(no_task)
}
