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

pub fn run_orgs(cmd: OrgsCommand) -> Result<ExitCode> {
    let OrgsCommand::List { json, db } = cmd;
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
