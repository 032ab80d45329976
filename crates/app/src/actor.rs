//! Who is acting: a signed-in person (session) or a machine client (API token), always on
//! behalf of one organisation.

use hoshi_core::org::{MemberRole, OrgRole, TokenScope};
use hoshi_store::orgs::Org;

use crate::{AppError, Msg};

/// How the actor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session; state-changing requests must carry this CSRF token.
    Session { csrf_token: String },
    /// An API token of the organisation.
    Token { token_id: i64, scope: TokenScope },
}

/// The acting user or client and the organisation it acts for.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The person (for a token: the person who created it).
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub org: Org,
    pub member_role: MemberRole,
    pub via: Via,
}

impl Actor {
    pub fn has_role(&self, role: OrgRole) -> bool {
        self.org.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.member_role == MemberRole::Admin && matches!(self.via, Via::Session { .. })
    }

    /// Only an organisation administrator, signed in as a person, may do this.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(Msg::new(
                "この操作は組織の管理者だけが行えます。",
                "Only an administrator of the organisation can do this.",
            )))
        }
    }

    /// Writing needs a session or a read-write token.
    pub fn require_write(&self) -> Result<(), AppError> {
        match self.via {
            Via::Token { scope: TokenScope::Read, .. } => Err(AppError::Forbidden(Msg::new(
                "このAPIトークンは読み取り専用です。書き込みには読み取り・書き込み用のトークンを使ってください。",
                "This API token is read-only: use a read-write token to make changes.",
            ))),
            _ => Ok(()),
        }
    }

    /// The organisation must be the actor's own; any other is reported as not found, so that
    /// callers cannot learn which ids exist.
    pub fn require_own_org(&self, org_id: i64) -> Result<(), AppError> {
        if self.org.id == org_id {
            Ok(())
        } else {
            Err(AppError::not_found("組織が見つかりません。", "No such organisation."))
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token } => Some(csrf_token),
            Via::Token { .. } => None,
        }
    }
}
