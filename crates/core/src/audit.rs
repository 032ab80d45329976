//! The audit trail of privileged actions: who verified, accredited, issued, suspended, revoked,
//! rotated a key, administered people or exported personal data — hash-chained like a
//! negotiation's record, so that an entry changed, removed or inserted afterwards shows.
//!
//! Entry `n` hashes, with SHA-256, the domain line `hoshi-audit-v1\n` and then each field as
//! `<byte length>:<bytes>\n`: seq, at, actor, actor_org, action, target, detail, prev_hash, where
//! prev_hash is entry `n-1`'s hash (empty for the first).

use sha2::{Digest, Sha256};

pub use crate::negotiation::ChainError;

/// What was done. Stored as its key; typed so that nothing matches on free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    OrgVerified,
    OrgVerificationWithdrawn,
    ClaimResolved,
    AccreditationDecided,
    CheckRecorded,
    CertificateIssued,
    ApplicationRefused,
    CertificateSuspended,
    CertificateReinstated,
    CertificateRevoked,
    KeyRotated,
    OrgCreated,
    NameChangeRequested,
    NameChangeDecided,
    UserAdded,
    PasswordReset,
    MemberInvited,
    MemberJoined,
    TokenCreated,
    TokenRevoked,
    PersonalDataExported,
    SupportProgrammeGranted,
    SupportProgrammeRevoked,
}

impl Action {
    pub const ALL: [Action; 23] = [
        Action::OrgVerified,
        Action::OrgVerificationWithdrawn,
        Action::ClaimResolved,
        Action::AccreditationDecided,
        Action::CheckRecorded,
        Action::CertificateIssued,
        Action::ApplicationRefused,
        Action::CertificateSuspended,
        Action::CertificateReinstated,
        Action::CertificateRevoked,
        Action::KeyRotated,
        Action::OrgCreated,
        Action::NameChangeRequested,
        Action::NameChangeDecided,
        Action::UserAdded,
        Action::PasswordReset,
        Action::MemberInvited,
        Action::MemberJoined,
        Action::TokenCreated,
        Action::TokenRevoked,
        Action::PersonalDataExported,
        Action::SupportProgrammeGranted,
        Action::SupportProgrammeRevoked,
    ];

    pub fn key(self) -> &'static str {
        self.names().0
    }

    pub fn parse(key: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn name_ja(self) -> &'static str {
        self.names().1
    }

    pub fn name_en(self) -> &'static str {
        self.names().2
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Action::OrgVerified => ("org.verified", "組織の確認", "organisation verified"),
            Action::OrgVerificationWithdrawn => ("org.verification_withdrawn", "組織の確認の取消し", "organisation verification withdrawn"),
            Action::ClaimResolved => ("claim.resolved", "申立ての判断", "claim resolved"),
            Action::AccreditationDecided => ("accreditation.decided", "認定の判断", "accreditation decided"),
            Action::CheckRecorded => ("application.check_recorded", "審査記録", "application check recorded"),
            Action::CertificateIssued => ("certificate.issued", "証明書の発行", "certificate issued"),
            Action::ApplicationRefused => ("application.refused", "申請の却下", "application refused"),
            Action::CertificateSuspended => ("certificate.suspended", "証明書の一時停止", "certificate suspended"),
            Action::CertificateReinstated => ("certificate.reinstated", "証明書の再開", "certificate reinstated"),
            Action::CertificateRevoked => ("certificate.revoked", "証明書の取消し", "certificate revoked"),
            Action::KeyRotated => ("key.rotated", "署名鍵の更新", "signing key rotated"),
            Action::OrgCreated => ("org.created", "組織の作成", "organisation created"),
            Action::NameChangeRequested => ("org.name_change_requested", "名称変更の申請", "name change requested"),
            Action::NameChangeDecided => ("org.name_change_decided", "名称変更の判断", "name change decided"),
            Action::UserAdded => ("user.added", "利用者の追加", "user added"),
            Action::PasswordReset => ("user.password_reset", "パスワードの再設定", "password reset"),
            Action::MemberInvited => ("member.invited", "メンバーの招待", "member invited"),
            Action::MemberJoined => ("member.joined", "メンバーの参加", "member joined"),
            Action::TokenCreated => ("token.created", "APIトークンの作成", "API token created"),
            Action::TokenRevoked => ("token.revoked", "APIトークンの失効", "API token revoked"),
            Action::PersonalDataExported => ("personal_data.exported", "個人データの出力", "personal data exported"),
            Action::SupportProgrammeGranted => ("support.programme_granted", "支援事業の委託", "support programme granted"),
            Action::SupportProgrammeRevoked => ("support.programme_revoked", "支援事業の終了", "support programme ended"),
        }
    }
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: i64,
    /// Who: a person's name and e-mail, or `console:<user>` for the command line.
    pub actor: String,
    /// The acting organisation's corporate number (empty for the console).
    pub actor_org: String,
    pub action: String,
    /// What it was done to: a corporate number, a serial, an e-mail address, a key id.
    pub target: String,
    /// The particulars as JSON (reason, state, what was exported).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry from its fields (see the module documentation for the bytes).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(seq: u64, at: i64, actor: &str, actor_org: &str, action: &str, target: &str, detail: &str, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hoshi-audit-v1\n");
    for field in [seq.to_string().as_str(), at.to_string().as_str(), actor, actor_org, action, target, detail, prev_hash] {
        h.update(format!("{}:", field.len()).as_bytes());
        h.update(field.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditRecord {
    pub fn computed_hash(&self) -> String {
        entry_hash(self.seq, self.at, &self.actor, &self.actor_org, &self.action, &self.target, &self.detail, &self.prev_hash)
    }
}

/// Checks a whole trail: 1, 2, …, each linked to the one before and matching its hash. Returns
/// the last hash (empty for none).
pub fn verify_chain(entries: &[AuditRecord]) -> Result<String, ChainError> {
    let mut prev = String::new();
    for (i, e) in entries.iter().enumerate() {
        let expected = i as u64 + 1;
        if e.seq != expected {
            return Err(ChainError::Sequence { seq: e.seq, expected });
        }
        if e.prev_hash != prev {
            return Err(ChainError::Link { seq: e.seq });
        }
        if e.computed_hash() != e.hash {
            return Err(ChainError::Content { seq: e.seq });
        }
        prev = e.hash.clone();
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail(n: u64) -> Vec<AuditRecord> {
        let mut prev = String::new();
        (1..=n)
            .map(|seq| {
                let mut e = AuditRecord {
                    seq,
                    at: 1_780_000_000 + seq as i64,
                    actor: "登録 太郎 <registry@ipa-demo.example>".into(),
                    actor_org: "9999999999999".into(),
                    action: Action::CertificateRevoked.key().into(),
                    target: format!("HS2026-{seq:07}"),
                    detail: r#"{"reason":"虚偽申告"}"#.into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.computed_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn keys_round_trip_and_are_unique() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.key()), Some(a));
        }
        let keys: std::collections::HashSet<_> = Action::ALL.iter().map(|a| a.key()).collect();
        assert_eq!(keys.len(), Action::ALL.len());
    }

    #[test]
    fn any_edit_removal_or_insertion_breaks_the_chain() {
        let good = trail(4);
        assert_eq!(verify_chain(&good).expect("good"), good[3].hash);
        let mut edited = good.clone();
        edited[1].target = "HS2026-9999999".into();
        assert_eq!(verify_chain(&edited), Err(ChainError::Content { seq: 2 }));
        let mut rehashed = edited.clone();
        rehashed[1].hash = rehashed[1].computed_hash();
        assert_eq!(verify_chain(&rehashed), Err(ChainError::Link { seq: 3 }));
        let mut removed = good.clone();
        removed.remove(2);
        assert!(matches!(verify_chain(&removed), Err(ChainError::Sequence { seq: 4, expected: 3 })));
        // Fields cannot be shifted into one another: the lengths are hashed.
        assert_ne!(entry_hash(1, 0, "ab", "c", "", "", "", ""), entry_hash(1, 0, "a", "bc", "", "", "", ""));
    }
}
