//! Remediation plans: one per assessment, its tasks (each for a criterion or a requirement, with
//! the criteria it closes) and every change of a task. Rows only; `app` decides what a status
//! means and who may change it.

use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub assessment_id: i64,
    pub target_level: i64,
    /// YYYY-MM-DD.
    pub target_date: String,
    /// `criterion` (one task per gap) or `requirement` (one per requirement).
    pub grouping: String,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const PLAN_COLS: &str = "id, assessment_id, target_level, target_date, grouping, created_by, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub position: i64,
    pub task_key: String,
    pub owner: String,
    pub due_date: Option<String>,
    /// `todo`, `doing`, `done` or `wont_do`.
    pub status: String,
    pub reason: String,
    pub evidence_item_id: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_by: i64,
    pub updated_at: i64,
}

const TASK_COLS: &str =
    "id, plan_id, position, task_key, owner, due_date, status, reason, evidence_item_id, closed_at, updated_by, updated_at";

/// One change of a task, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskChange {
    pub id: i64,
    pub task_id: i64,
    pub owner: String,
    pub due_date: Option<String>,
    pub status: String,
    pub reason: String,
    pub changed_by: i64,
    pub changed_at: i64,
}

pub async fn insert_plan(conn: &mut Conn, p: &Plan) -> Result<Plan> {
    sqlx::query_as::<_, Plan>(&format!(
        "INSERT INTO plans (assessment_id, target_level, target_date, grouping, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PLAN_COLS}"
    ))
    .bind(p.assessment_id)
    .bind(p.target_level)
    .bind(&p.target_date)
    .bind(&p.grouping)
    .bind(p.created_by)
    .bind(p.created_at)
    .bind(p.updated_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| crate::map_unique(e, "plan"))
}

pub async fn update_plan(conn: &mut Conn, p: &Plan) -> Result<()> {
    sqlx::query("UPDATE plans SET target_level = $1, target_date = $2, updated_at = $3 WHERE id = $4")
        .bind(p.target_level)
        .bind(&p.target_date)
        .bind(p.updated_at)
        .bind(p.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn plan(conn: &mut Conn, id: i64) -> Result<Option<Plan>> {
    Ok(sqlx::query_as::<_, Plan>(&format!("SELECT {PLAN_COLS} FROM plans WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await?)
}

pub async fn plan_of_assessment(conn: &mut Conn, assessment_id: i64) -> Result<Option<Plan>> {
    Ok(sqlx::query_as::<_, Plan>(&format!("SELECT {PLAN_COLS} FROM plans WHERE assessment_id = $1"))
        .bind(assessment_id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Inserts a task with the criteria it closes, and records it as the task's first change.
pub async fn insert_task(conn: &mut Conn, t: &Task, criteria: &[String]) -> Result<Task> {
    let task = sqlx::query_as::<_, Task>(&format!(
        "INSERT INTO plan_tasks (plan_id, position, task_key, owner, due_date, status, reason, evidence_item_id, closed_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {TASK_COLS}"
    ))
    .bind(t.plan_id)
    .bind(t.position)
    .bind(&t.task_key)
    .bind(&t.owner)
    .bind(&t.due_date)
    .bind(&t.status)
    .bind(&t.reason)
    .bind(t.evidence_item_id)
    .bind(t.closed_at)
    .bind(t.updated_by)
    .bind(t.updated_at)
    .fetch_one(&mut *conn)
    .await?;
    for c in criteria {
        sqlx::query("INSERT INTO plan_task_criteria (task_id, criterion) VALUES ($1, $2)")
            .bind(task.id)
            .bind(c)
            .execute(&mut *conn)
            .await?;
    }
    record_change(conn, &task).await?;
    Ok(task)
}

async fn record_change(conn: &mut Conn, t: &Task) -> Result<()> {
    sqlx::query("INSERT INTO plan_task_history (task_id, owner, due_date, status, reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(t.id)
        .bind(&t.owner)
        .bind(&t.due_date)
        .bind(&t.status)
        .bind(&t.reason)
        .bind(t.updated_by)
        .bind(t.updated_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Saves a task's owner, due date, status, reason, evidence and closing time, and records the change.
pub async fn update_task(conn: &mut Conn, t: &Task) -> Result<()> {
    let done = sqlx::query(
        "UPDATE plan_tasks SET owner = $1, due_date = $2, status = $3, reason = $4, evidence_item_id = $5, closed_at = $6, updated_by = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&t.owner)
    .bind(&t.due_date)
    .bind(&t.status)
    .bind(&t.reason)
    .bind(t.evidence_item_id)
    .bind(t.closed_at)
    .bind(t.updated_by)
    .bind(t.updated_at)
    .bind(t.id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    record_change(conn, t).await
}

pub async fn task(conn: &mut Conn, id: i64) -> Result<Task> {
    sqlx::query_as::<_, Task>(&format!("SELECT {TASK_COLS} FROM plan_tasks WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A plan's tasks in plan order.
pub async fn tasks(conn: &mut Conn, plan_id: i64) -> Result<Vec<Task>> {
    Ok(sqlx::query_as::<_, Task>(&format!("SELECT {TASK_COLS} FROM plan_tasks WHERE plan_id = $1 ORDER BY position, id"))
        .bind(plan_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// (task id, criterion) for every task of a plan.
pub async fn task_criteria(conn: &mut Conn, plan_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT c.task_id, c.criterion FROM plan_task_criteria c JOIN plan_tasks t ON t.id = c.task_id WHERE t.plan_id = $1 ORDER BY c.task_id, c.criterion",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Every change of a task, oldest first.
pub async fn task_history(conn: &mut Conn, task_id: i64) -> Result<Vec<TaskChange>> {
    Ok(sqlx::query_as::<_, TaskChange>(
        "SELECT id, task_id, owner, due_date, status, reason, changed_by, changed_at FROM plan_task_history WHERE task_id = $1 ORDER BY id",
    )
    .bind(task_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Open tasks (todo or doing) of the organisation's plans due before `date` (YYYY-MM-DD):
/// (assessment id, task), earliest first.
pub async fn overdue_tasks(conn: &mut Conn, org_id: i64, date: &str) -> Result<Vec<(i64, Task)>> {
    let rows = sqlx::query_as::<_, OverdueRow>(&format!(
        "SELECT p.assessment_id AS assessment_id, {} FROM plan_tasks t JOIN plans p ON p.id = t.plan_id JOIN assessments a ON a.id = p.assessment_id \
         WHERE a.org_id = $1 AND t.status IN ('todo', 'doing') AND t.due_date IS NOT NULL AND t.due_date < $2 ORDER BY t.due_date, t.id",
        TASK_COLS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(org_id)
    .bind(date)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.assessment_id, r.task)).collect())
}

#[derive(sqlx::FromRow)]
struct OverdueRow {
    assessment_id: i64,
    #[sqlx(flatten)]
    task: Task,
}
