//! `hoshi orgs …` and `hoshi users …`: operator commands on the same database the server uses
//! (SQLite in WAL mode allows them while it runs).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use clap::Subcommand;
use hoshi_app::{App, SystemClock};
use hoshi_core::org::MemberRole;
use hoshi_core::CorporateNumber;
use serde_json::json;

use crate::server::{runtime, DbArgs};

#[derive(Subcommand)]
pub enum OrgsCommand {
    /// List every organisation: corporate number, names, roles.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Record the registry operator's document check of an organisation (or withdraw it).
    Verify {
        /// The organisation's corporate number.
        corporate_number: String,
        /// What was checked (document, issue date, what matched).
        #[arg(long)]
        checked: String,
        /// Withdraw the verification instead.
        #[arg(long)]
        unverify: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `hoshi providers …`: the accreditation of experts and assessment bodies.
#[derive(Subcommand)]
pub enum ProvidersCommand {
    /// Every accreditation with its state and history.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Approve an applied (or expired, withdrawn) accreditation; a body's designation runs 3 years.
    Approve {
        corporate_number: String,
        /// expert or assessment_body (needed only when the organisation applied as both).
        #[arg(long)]
        kind: Option<String>,
        /// First day of validity (YYYY-MM-DD; today when omitted).
        #[arg(long, default_value = "")]
        from: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Suspend an approved accreditation, with the reason (public).
    Suspend {
        corporate_number: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Withdraw an accreditation, with the reason (public).
    Withdraw {
        corporate_number: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a person to an organisation (by corporate number).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Corporate number of the organisation.
        #[arg(long)]
        org: String,
        /// admin or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// The password; if omitted it is read from HOSHI_PASSWORD.
        #[arg(long, env = "HOSHI_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List people and their organisations.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create an API token for the organisation of an administrator (printed once).
    Token {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// read or read_write.
        #[arg(long, default_value = "read")]
        scope: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password and end the person's sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// The new password; if omitted it is read from HOSHI_PASSWORD.
        #[arg(long, env = "HOSHI_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

async fn app(db: &DbArgs) -> Result<App> {
    Ok(App::new(db.open().await?, Arc::new(SystemClock)))
}

fn user_error(e: hoshi_app::AppError) -> anyhow::Error {
    anyhow!("{}", e.message(false))
}

fn corporate_number(s: &str) -> Result<CorporateNumber> {
    CorporateNumber::parse(s).map_err(|e| anyhow!("{e}"))
}

pub fn run_providers(cmd: ProvidersCommand) -> Result<ExitCode> {
    let (db, action, cn, kind, reason, from) = match cmd {
        ProvidersCommand::List { json, db } => {
            let list = runtime()?.block_on(async { app(&db).await?.providers(None).await.map_err(user_error) })?;
            if json {
                let out: Vec<_> = list
                    .iter()
                    .map(|p| {
                        json!({
                            "corporate_number": p.org.corporate_number.to_string(),
                            "name_ja": p.org.name_ja,
                            "name_en": p.org.name_en,
                            "kind": p.kind.key(),
                            "state": p.state.key(),
                            "number": p.accreditation.number,
                            "qualification": p.accreditation.qualification,
                            "technical_verification": p.accreditation.technical_verification != 0,
                            "valid_from": p.accreditation.valid_from.map(hoshi_core::time::jst_date_string),
                            "valid_until": p.accreditation.valid_until.map(hoshi_core::time::jst_date_string),
                            "verified": p.verified,
                            "decisions": p.decisions.iter().map(|d| json!({"state": d.status, "reason": d.reason, "by": d.decided_by, "at": hoshi_core::time::rfc3339(d.decided_at)})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for p in &list {
                    println!(
                        "{}  {:<16} {:<10} {:<12} {}",
                        p.org.corporate_number,
                        p.kind.key(),
                        p.state.key(),
                        p.accreditation.number,
                        p.org.name_ja
                    );
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        ProvidersCommand::Approve { corporate_number, kind, from, db } => (db, "approve", corporate_number, kind, String::new(), from),
        ProvidersCommand::Suspend { corporate_number, kind, reason, db } => (db, "suspend", corporate_number, kind, reason, String::new()),
        ProvidersCommand::Withdraw { corporate_number, kind, reason, db } => {
            (db, "withdraw", corporate_number, kind, reason, String::new())
        }
    };
    let cn = corporate_number(&cn)?;
    let kind = match kind.as_deref() {
        None => None,
        Some(k) => Some(hoshi_core::accreditation::Kind::parse(k).ok_or_else(|| anyhow!("--kind must be expert or assessment_body"))?),
    };
    let p = runtime()?
        .block_on(async { app(&db).await?.decide_accreditation(None, &cn, kind, action, &reason, &from).await.map_err(user_error) })?;
    println!(
        "{} {} {}: {} (the change is in the transparency log once the server sequences it)",
        cn,
        p.org.name_ja,
        p.kind.key(),
        p.state.key()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run_orgs(cmd: OrgsCommand) -> Result<ExitCode> {
    let (json, db) = match cmd {
        OrgsCommand::List { json, db } => (json, db),
        OrgsCommand::Verify { corporate_number: cn, checked, unverify, db } => {
            let cn = corporate_number(&cn)?;
            let v = runtime()?
                .block_on(async { app(&db).await?.verify_org(None, &cn, !unverify, &checked, None).await.map_err(user_error) })?;
            println!("{cn}: {} — {} ({})", v.action, v.checked, v.decided_by);
            return Ok(ExitCode::SUCCESS);
        }
    };
    let orgs = runtime()?.block_on(async { app(&db).await?.admin_list_orgs().await.map_err(user_error) })?;
    if json {
        let items: Vec<_> = orgs
            .iter()
            .map(|o| {
                json!({
                    "corporate_number": o.corporate_number.to_string(),
                    "name_ja": o.name_ja,
                    "name_en": o.name_en,
                    "prefecture": o.prefecture.name_ja(),
                    "roles": o.roles.iter().map(|r| r.key()).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else {
        for o in &orgs {
            let roles: Vec<_> = o.roles.iter().map(|r| r.key()).collect();
            println!("{}  {}  {}  [{}]", o.corporate_number, o.name_ja, o.name_en, roles.join(", "));
        }
        println!("{} organisation(s)", orgs.len());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_users(cmd: UsersCommand) -> Result<ExitCode> {
    let rt = runtime()?;
    match cmd {
        UsersCommand::Add { email, name, org, role, password, db } => {
            let cn = CorporateNumber::parse(&org).map_err(|e| anyhow!("--org: {e}"))?;
            let role = MemberRole::parse(&role).map_err(|e| anyhow!("--role: {e}"))?;
            let u = rt.block_on(async { app(&db).await?.admin_add_user(&email, &name, &password, &cn, role).await.map_err(user_error) })?;
            println!("added {} to {} as {}", u.email, cn, role.key());
        }
        UsersCommand::List { json, db } => {
            let users = rt.block_on(async { app(&db).await?.admin_list_users().await.map_err(user_error) })?;
            if json {
                let items: Vec<_> = users
                    .iter()
                    .map(|(u, orgs)| {
                        json!({
                            "email": u.email,
                            "display_name": u.display_name,
                            "organisations": orgs.iter().map(|(cn, r)| json!({"corporate_number": cn, "role": r.key()})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else {
                for (u, orgs) in &users {
                    let o: Vec<_> = orgs.iter().map(|(cn, r)| format!("{cn} ({})", r.key())).collect();
                    println!("{}  {}  {}", u.email, u.display_name, o.join(", "));
                }
                println!("{} user(s)", users.len());
            }
        }
        UsersCommand::Token { email, name, scope, db } => {
            let (_, token) = rt.block_on(async { app(&db).await?.admin_create_token(&email, &name, &scope).await.map_err(user_error) })?;
            println!("{token}");
        }
        UsersCommand::ResetPassword { email, password, db } => {
            rt.block_on(async { app(&db).await?.admin_reset_password(&email, &password).await.map_err(user_error) })?;
            println!("password reset for {email}; their sessions were ended");
        }
    }
    Ok(ExitCode::SUCCESS)
}
