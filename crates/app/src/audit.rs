//! The audit trail of privileged actions (see `hoshi_core::audit`): every verification,
//! accreditation decision, issue, suspension, reinstatement, revocation, key rotation, change
//! to people and tokens, and export of personal data is appended in the same transaction as the
//! action itself, so an action without its entry cannot be committed. The registry operator
//! reads and searches it; nobody can edit it (the database refuses, and the chain shows it).
//! [`App::verify_audit_trail`] checks the stored chain page by page, as
//! `hoshi_core::audit::verify_chain` does in memory.

use hoshi_core::audit::{Action, AuditRecord};
use hoshi_core::org::OrgRole;
use hoshi_store::audit::{self as db};
pub use hoshi_store::audit::{AuditFilter, AuditRow};
use hoshi_store::Conn;
use serde_json::Value;

use crate::{Actor, App, AppError};

/// Who acted, as the trail records it.
#[derive(Debug, Clone)]
pub struct Who {
    pub user: Option<i64>,
    pub label: String,
    pub org: String,
}

impl Who {
    pub fn of(actor: &Actor) -> Who {
        Who {
            user: Some(actor.user_id),
            label: format!("{} <{}>", actor.display_name, actor.email),
            org: actor.org.corporate_number.to_string(),
        }
    }

    /// The command line on the server (`hoshi …`), with the operating-system user.
    pub fn console() -> Who {
        let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
        Who { user: None, label: format!("console:{user}"), org: String::new() }
    }

    pub fn from(actor: Option<&Actor>) -> Who {
        actor.map_or_else(Who::console, Who::of)
    }
}

/// Appends one entry behind the chain's end, inside the caller's transaction.
pub(crate) async fn record(conn: &mut Conn, who: &Who, action: Action, target: &str, detail: Value, at: i64) -> Result<(), AppError> {
    let (last, prev_hash) = db::lock_head(conn).await?;
    let mut e = AuditRecord {
        seq: u64::try_from(last).unwrap_or(0) + 1,
        at,
        actor: who.label.clone(),
        actor_org: who.org.clone(),
        action: action.key().to_owned(),
        target: target.to_owned(),
        detail: detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = e.computed_hash();
    db::append(
        conn,
        &AuditRow {
            seq: e.seq as i64,
            at: e.at,
            actor_user: who.user,
            actor: e.actor,
            actor_org: e.actor_org,
            action: e.action,
            target: e.target,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        },
    )
    .await?;
    Ok(())
}

fn record_of(r: &AuditRow) -> AuditRecord {
    AuditRecord {
        seq: u64::try_from(r.seq).unwrap_or(0),
        at: r.at,
        actor: r.actor.clone(),
        actor_org: r.actor_org.clone(),
        action: r.action.clone(),
        target: r.target.clone(),
        detail: r.detail.clone(),
        prev_hash: r.prev_hash.clone(),
        hash: r.hash.clone(),
    }
}

/// Entries on one page of the operator's search.
pub const AUDIT_PAGE: i64 = 100;

/// One page of the trail.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    pub total: i64,
}

impl App {
    /// Records a privileged action done outside any other transaction (a key rotation or an
    /// export, which change nothing else in the database).
    pub async fn record_audit(&self, who: &Who, action: Action, target: &str, detail: Value) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        record(&mut tx, who, action, target, detail, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The trail, newest first, filtered; for the registry operator only.
    pub async fn audit_trail(&self, actor: &Actor, filter: &AuditFilter, offset: i64) -> Result<AuditPage, AppError> {
        if !actor.has_role(OrgRole::RegistryOperator) {
            return Err(AppError::forbidden(
                "監査記録は登録機関だけが見られます。",
                "Only the registry operator can read the audit trail.",
            ));
        }
        let mut conn = self.store.pool().acquire().await?;
        let (entries, total) = db::search(&mut conn, filter, AUDIT_PAGE, offset.max(0)).await?;
        Ok(AuditPage { entries, total })
    }

    /// Checks the whole chain, in pages: every entry linked to the one before and matching its
    /// hash, and the recorded end equal to the last entry. Returns how many entries it checked.
    pub async fn verify_audit_trail(&self) -> Result<u64, AppError> {
        let broken = |detail: String| {
            AppError::Conflict(crate::error::Msg::new(
                format!("監査記録の連鎖が壊れています: {detail}。記録が後から変更・削除されました。"),
                format!("The audit trail's chain is broken: {detail}; entries were changed or removed after they were recorded."),
            ))
        };
        let mut conn = self.store.read_pool().acquire().await?;
        let (head_seq, head_hash) = db::head(&mut conn).await?;
        // In pages of 10,000, each entry checked against the one before it (as verify_chain does
        // for a whole trail in memory).
        let (mut expected, mut prev) = (1i64, String::new());
        while expected <= head_seq {
            let page = db::range(&mut conn, expected, expected + 9_999).await?;
            if page.is_empty() {
                break;
            }
            for e in page.iter().map(record_of) {
                if e.seq as i64 != expected {
                    return Err(broken(format!("entry {expected} is missing")));
                }
                if e.prev_hash != prev {
                    return Err(broken(format!("entry {} does not link to entry {}", e.seq, e.seq - 1)));
                }
                if e.computed_hash() != e.hash {
                    return Err(broken(format!("entry {} does not match its hash", e.seq)));
                }
                prev = e.hash;
                expected += 1;
            }
        }
        if expected - 1 != head_seq || prev != head_hash {
            return Err(broken(format!("the recorded end (entry {head_seq}) is not the last entry (entry {})", expected - 1)));
        }
        Ok(u64::try_from(head_seq).unwrap_or(0))
    }
}
