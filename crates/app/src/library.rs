//! The evidence library: an organisation's documents, kept longer than one answer. One file can
//! support several criteria (of this and later assessments); each version has an effective date
//! and, where a criterion asks for a yearly check (「年1回以上」), a review-by date. A new version
//! replaces the old one in every assessment still being answered, while confirmed or assessed
//! assessments keep the very file they were judged on. An item no locked assessment uses can be
//! deleted, with its files when nothing else refers to them.
//!
//! Only the organisation's own people see its library; experts, assessment bodies and buyers see
//! evidence through an assessment they may read, as before.

use hoshi_core::time::{jst_date_string, parse_date};
use hoshi_store::assessments as adb;
use hoshi_store::library::{self as db, Item, Use, Version};
use hoshi_store::Conn;

use crate::assessment::{accepted_file, edition, Status};
use crate::{Actor, App, AppError, Msg};

/// One document of the library with its newest version and where it is used.
#[derive(Debug, Clone)]
pub struct LibraryEntry {
    pub item: Item,
    pub latest: Version,
    pub uses: Vec<Use>,
}

impl LibraryEntry {
    /// Whether the newest version is past its review-by date on `today` (YYYY-MM-DD).
    pub fn stale(&self, today: &str) -> bool {
        stale(self.latest.review_by.as_deref(), today)
    }
}

/// Whether a review-by date has passed on `today`.
pub fn stale(review_by: Option<&str>, today: &str) -> bool {
    review_by.is_some_and(|r| r < today)
}

/// The dates a new version is given: the effective date (today when blank) and the review-by
/// date (a year after it takes effect when `yearly` and blank; none otherwise).
fn dates(effective: &str, review_by: &str, yearly: bool, today: &str) -> Result<(String, Option<String>), AppError> {
    let eff = if effective.trim().is_empty() {
        today.to_owned()
    } else {
        parse_date(effective).ok_or_else(|| {
            AppError::invalid(
                "effective_date",
                "有効日はYYYY-MM-DDの形の実在する日付で入力してください。",
                "Enter the effective date as a real date, YYYY-MM-DD.",
            )
        })?
    };
    let review = if review_by.trim().is_empty() {
        yearly.then(|| {
            let y: i64 = eff[0..4].parse().unwrap_or(2026);
            let md = &eff[4..];
            // 29 February has no anniversary in a common year: the next review is 28 February.
            parse_date(&format!("{}{md}", y + 1)).unwrap_or_else(|| format!("{}-02-28", y + 1))
        })
    } else {
        let r = parse_date(review_by).ok_or_else(|| {
            AppError::invalid(
                "review_by",
                "見直し期限はYYYY-MM-DDの形の実在する日付で入力してください。",
                "Enter the review-by date as a real date, YYYY-MM-DD.",
            )
        })?;
        if r < eff {
            return Err(AppError::invalid(
                "review_by",
                "見直し期限は有効日より後にしてください。",
                "The review-by date must come after the effective date.",
            ));
        }
        Some(r)
    };
    Ok((eff, review))
}

fn no_item() -> AppError {
    AppError::not_found("証跡が見つかりません。", "No such evidence.")
}

impl App {
    /// The actor's organisation's item, or `NotFound`.
    async fn own_item(&self, conn: &mut Conn, actor: &Actor, item_id: i64) -> Result<Item, AppError> {
        let item = db::item(conn, item_id).await.map_err(|_| no_item())?;
        if item.org_id != actor.org.id {
            return Err(no_item());
        }
        Ok(item)
    }

    /// Stores a file as the next version of an item (the caller checked the actor may).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_version(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        item_id: i64,
        filename: &str,
        bytes: &[u8],
        effective: &str,
        review_by: &str,
        yearly: bool,
    ) -> Result<Version, AppError> {
        let (content_type, name) = accepted_file(filename, bytes, "evidence")?;
        let now = self.now();
        let (eff, review) = dates(effective, review_by, yearly, &jst_date_string(now))?;
        let sha = crate::assessment::sha256_hex(bytes);
        adb::put_file(conn, &sha, content_type, bytes, now).await?;
        Ok(db::add_version(
            conn,
            &Version {
                id: 0,
                item_id,
                version: 0,
                sha256: sha,
                filename: name,
                effective_date: Some(eff),
                review_by: review,
                uploaded_by: actor.user_id,
                uploaded_at: now,
            },
        )
        .await?)
    }

    /// A new item in the library (title defaults to the file's name).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_item(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        title: &str,
        filename: &str,
        bytes: &[u8],
        effective: &str,
        review_by: &str,
        yearly: bool,
    ) -> Result<(Item, Version), AppError> {
        let title: String = if title.trim().is_empty() { filename.rsplit(['/', '\\']).next().unwrap_or("") } else { title.trim() }
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let item =
            db::insert_item(conn, actor.org.id, if title.is_empty() { "evidence" } else { &title }, actor.user_id, self.now()).await?;
        let v = self.store_version(conn, actor, item.id, filename, bytes, effective, review_by, yearly).await?;
        Ok((item, v))
    }

    /// The organisation's evidence library, newest first.
    pub async fn evidence_library(&self, actor: &Actor) -> Result<Vec<LibraryEntry>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let latest = db::latest_versions(&mut conn, actor.org.id).await?;
        let mut out = Vec::new();
        for item in db::items(&mut conn, actor.org.id).await? {
            let Some(v) = latest.iter().find(|v| v.item_id == item.id).cloned() else { continue };
            let uses = db::uses(&mut conn, item.id).await?;
            out.push(LibraryEntry { item, latest: v, uses });
        }
        Ok(out)
    }

    /// One item with every version (oldest first) and its uses.
    pub async fn evidence_item(&self, actor: &Actor, item_id: i64) -> Result<(Item, Vec<Version>, Vec<Use>), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let item = self.own_item(&mut conn, actor, item_id).await?;
        let versions = db::versions(&mut conn, item.id).await?;
        let uses = db::uses(&mut conn, item.id).await?;
        Ok((item, versions, uses))
    }

    /// Adds a document to the library without using it yet.
    pub async fn add_to_library(
        &self,
        actor: &Actor,
        title: &str,
        filename: &str,
        bytes: &[u8],
        effective: &str,
        review_by: &str,
    ) -> Result<Item, AppError> {
        actor.require_write()?;
        let mut tx = self.store.begin().await?;
        let (item, _) = self.create_item(&mut tx, actor, title, filename, bytes, effective, review_by, false).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// A new version of an item. Every assessment still being answered (draft or returned) that
    /// uses the item moves to the new file; locked ones keep theirs. Returns the version and how
    /// many answers moved.
    pub async fn replace_evidence(
        &self,
        actor: &Actor,
        item_id: i64,
        filename: &str,
        bytes: &[u8],
        effective: &str,
        review_by: &str,
    ) -> Result<(Version, u64), AppError> {
        actor.require_write()?;
        let mut tx = self.store.begin().await?;
        let item = self.own_item(&mut tx, actor, item_id).await?;
        let uses = db::uses(&mut tx, item.id).await?;
        // A yearly criterion among its uses gives the new version a review-by date too.
        let mut yearly = false;
        for u in &uses {
            let a = adb::get(&mut tx, u.assessment_id).await?;
            if let Ok(ed) = edition(&a.edition) {
                yearly |= ed.criterion(&u.criterion).is_some_and(|c| c.yearly_check());
            }
        }
        let v = self.store_version(&mut tx, actor, item.id, filename, bytes, effective, review_by, yearly).await?;
        let mut editable: Vec<i64> =
            uses.iter().filter(|u| Status::parse(&u.assessment_status).editable()).map(|u| u.assessment_id).collect();
        editable.dedup();
        let moved = db::relink(&mut tx, item.id, &editable, &v.sha256, &v.filename).await?;
        tx.commit().await?;
        Ok((v, moved))
    }

    /// Deletes an item no locked assessment uses: its uses in drafts go, then its versions and
    /// the files nothing else refers to. Refused, naming the assessments, when one is locked.
    pub async fn delete_evidence(&self, actor: &Actor, item_id: i64) -> Result<(), AppError> {
        actor.require_write()?;
        let mut tx = self.store.begin().await?;
        let item = self.own_item(&mut tx, actor, item_id).await?;
        let locked: Vec<String> = db::uses(&mut tx, item.id)
            .await?
            .into_iter()
            .filter(|u| !Status::parse(&u.assessment_status).editable())
            .map(|u| format!("v{}", u.assessment_version))
            .collect();
        if !locked.is_empty() {
            let mut list = locked;
            list.dedup();
            return Err(AppError::Conflict(Msg::new(
                format!("この証跡は確認・評価済みの自己評価（{}）が参照しているため削除できません。新しい版に差し替えてください。", list.join("、")),
                format!("This evidence cannot be deleted: confirmed or assessed self-assessments ({}) refer to it. Upload a new version instead.", list.join(", ")),
            )));
        }
        db::delete_item(&mut tx, item.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a library item as evidence for a criterion of an editable assessment.
    pub async fn link_library_evidence(&self, actor: &Actor, assessment_id: i64, criterion: &str, item_id: i64) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, assessment_id).await?;
        let item = self.own_item(&mut tx, actor, item_id).await?;
        let ed = edition(&a.edition)?;
        let c = ed.criterion(criterion.trim()).ok_or_else(|| {
            AppError::invalid(
                "criterion",
                format!("評価基準{criterion}はこの版にありません。"),
                format!("There is no criterion {criterion}."),
            )
        })?;
        let v = db::versions(&mut tx, item.id).await?.pop().ok_or_else(no_item)?;
        adb::link_evidence(&mut tx, a.id, &c.id, item.id, &v.sha256, &v.filename, actor.user_id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops using a piece of evidence for one criterion of an editable assessment (the file
    /// stays in the library).
    pub async fn unlink_evidence(&self, actor: &Actor, assessment_id: i64, evidence_id: i64) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, assessment_id).await?;
        if !adb::evidence(&mut tx, a.id).await?.iter().any(|e| e.id == evidence_id) {
            return Err(no_item());
        }
        db::unlink(&mut tx, evidence_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A version's file, if it belongs to the actor's organisation: (type, bytes, name).
    pub async fn library_file(&self, actor: &Actor, item_id: i64, version: i64) -> Result<(String, Vec<u8>, String), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let item = self.own_item(&mut conn, actor, item_id).await?;
        let v = db::versions(&mut conn, item.id).await?.into_iter().find(|v| v.version == version).ok_or_else(no_item)?;
        let (ct, bytes) = adb::file(&mut conn, &v.sha256).await?;
        Ok((ct, bytes, v.filename))
    }
}

#[cfg(test)]
mod tests {
    use super::{dates, stale};

    #[test]
    fn a_yearly_criterion_gets_a_review_date_a_year_on() {
        assert_eq!(dates("", "", true, "2026-12-01").expect("ok"), ("2026-12-01".into(), Some("2027-12-01".into())));
        assert_eq!(dates("2028-02-29", "", true, "2026-12-01").expect("ok").1.as_deref(), Some("2029-02-28"));
        assert_eq!(dates("2026-10-01", "", false, "2026-12-01").expect("ok").1, None);
        assert_eq!(dates("2026-10-01", "2027-04-01", false, "x").expect("ok").1.as_deref(), Some("2027-04-01"));
        assert!(dates("2026-13-01", "", false, "x").is_err());
        assert!(dates("2026-10-01", "2026-09-01", false, "x").is_err());
        assert!(stale(Some("2026-11-30"), "2026-12-01"));
        assert!(!stale(Some("2026-12-01"), "2026-12-01"));
        assert!(!stale(None, "2026-12-01"));
    }
}
