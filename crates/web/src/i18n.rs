//! The language of a request and the words of every screen, in Japanese and English.
//!
//! Language comes from the `hoshi_lang` cookie (set by the switch on every page), else from
//! `Accept-Language`, else Japanese. Screen text lives in [`MESSAGES`]; a test checks that every
//! key a template uses exists in both languages.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use hoshi_standard::Lang;

/// Picks ja or en from an `Accept-Language` header by quality; Japanese when neither is named.
pub fn from_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
        let lang = if tag.starts_with("ja") {
            Lang::Ja
        } else if tag.starts_with("en") {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Ja, |(_, l)| l)
}

/// The words of the screens: (key, Japanese, English).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "Hoshi", "Hoshi"),
    ("punct.period", "。", "."),
    ("punct.comma", "、", ", "),
    ("punct.colon", "：", ": "),
    ("app.tagline", "サプライチェーン・セキュリティ★評価", "Supply-chain security ★ levels"),
    ("nav.skip", "本文へ移動", "Skip to content"),
    ("nav.main", "メインメニュー", "Main menu"),
    ("nav.dashboard", "ダッシュボード", "Dashboard"),
    ("nav.org", "組織とメンバー", "Organisation and members"),
    ("nav.assessments", "自己評価", "Self-assessment"),
    ("nav.evidence", "証跡ライブラリ", "Evidence library"),
    ("nav.support", "専門家の支援", "Expert support"),
    ("nav.shared", "共有された自己評価", "Shared with you"),
    ("nav.suppliers", "取引先", "Suppliers"),
    ("nav.requirements", "取引先からの要求", "Buyers' requirements"),
    ("nav.negotiations", "価格協議", "Price negotiation"),
    ("nav.regulator", "申出の受付", "Cases"),
    ("nav.engagements", "依頼", "Requests"),
    ("nav.registry", "登録簿", "Registry"),
    ("nav.console", "登録の管理", "Registry console"),
    ("nav.tokens", "APIトークン", "API tokens"),
    ("nav.catalog", "★基準", "The ★ standard"),
    ("nav.signin", "サインイン", "Sign in"),
    ("nav.register", "組織を登録", "Register your organisation"),
    ("nav.signout", "サインアウト", "Sign out"),
    ("nav.language", "表示言語", "Language"),
    ("nav.signed_in_as", "サインイン中", "Signed in as"),
    ("footer.text", "Hoshi — サプライチェーン強化に向けたセキュリティ対策評価制度のためのソフトウェア", "Hoshi — software for the supply-chain security evaluation scheme"),
    ("footer.api", "API仕様（OpenAPI）", "API description (OpenAPI)"),
    ("login.title", "サインイン", "Sign in"),
    ("login.intro", "メールアドレスとパスワードでサインインしてください。", "Sign in with your email address and password."),
    ("login.email", "メールアドレス", "Email address"),
    ("login.password", "パスワード", "Password"),
    ("login.submit", "サインイン", "Sign in"),
    (
        "register.received",
        "登録を受け付けました。登録したメールアドレスとパスワードでサインインしてください。サインインできない場合は、そのメールアドレスか法人番号がすでに登録されています。組織の管理者に招待を依頼するか、法人番号を他者に登録されたと思われる場合は申立てをしてください。",
        "Your registration was received: sign in with the e-mail address and password you gave. If you cannot sign in, that address or corporate number was already registered: ask your organisation's administrator for an invitation, or file a claim if you think someone else registered your corporate number.",
    ),
    ("register.claim_link", "法人番号の申立て", "Claim a corporate number"),
    ("login.no_account", "組織としてまだ登録していない場合は", "If your organisation is not registered yet,"),
    ("login.register_link", "こちらから登録できます", "register it here"),
    ("login.needed", "このページを見るにはサインインが必要です。", "You need to sign in to see this page."),
    ("register.title", "組織の登録", "Register your organisation"),
    ("register.intro", "法人番号と会社の情報、最初の管理者のアカウントを登録します。評価機関・登録機関・規制当局の役割は制度運営者が付与します。", "Register your company by its corporate number, with its first administrator. Assessment body, registry operator and regulator roles are granted by the scheme operator."),
    ("register.company", "会社の情報", "Company"),
    ("register.person", "最初の管理者", "First administrator"),
    ("register.roles", "この組織の役割", "What your organisation does in the scheme"),
    ("register.submit", "登録してサインイン", "Register and sign in"),
    ("org.corporate_number", "法人番号（13桁）", "Corporate number (13 digits)"),
    ("org.corporate_number_hint", "国税庁の法人番号公表サイトで確認できます。全角やハイフン入りでも構いません。", "Find it on the National Tax Agency's corporate number site. Full-width digits and hyphens are fine."),
    ("org.name_ja", "会社名（日本語）", "Company name (Japanese)"),
    ("org.name_en", "会社名（英語）", "Company name (English)"),
    ("org.prefecture", "都道府県", "Prefecture"),
    ("org.address", "所在地", "Address"),
    ("org.industry", "業種", "Industry"),
    ("org.employees", "従業員数", "Employees"),
    ("org.capital", "資本金（円）", "Capital (yen)"),
    ("org.roles", "役割", "Roles"),
    ("org.sme", "中小企業（中小企業基本法の定義）", "SME (under the SME Basic Act)"),
    ("org.sme_yes", "該当します", "Yes"),
    ("org.sme_no", "該当しません", "No"),
    ("org.sme_unknown", "従業員数か資本金を入力すると判定します", "Enter employees or capital to determine"),
    ("org.choose", "選んでください", "Choose"),
    ("org.save", "保存する", "Save"),
    ("org.saved", "保存しました。", "Saved."),
    ("org.title", "組織とメンバー", "Organisation and members"),
    ("org.profile", "組織のプロフィール", "Organisation profile"),
    ("org.members", "メンバー", "Members"),
    ("org.invite", "メンバーを招待する", "Invite a member"),
    ("org.invite_submit", "招待リンクを作る", "Create invitation link"),
    ("org.invite_made", "招待リンクを作りました。招待する人に送ってください（14日間有効、1回限り）。", "Invitation link created. Send it to the person you invite (valid 14 days, once)."),
    ("org.invitations", "招待", "Invitations"),
    ("org.role", "役割", "Role"),
    ("org.status", "状態", "Status"),
    ("org.accepted", "受諾済み", "Accepted"),
    ("org.pending", "未受諾", "Pending"),
    ("org.expires", "期限", "Expires"),
    ("org.admin_only", "プロフィールの変更と招待は管理者が行います。", "An administrator changes the profile and invites people."),
    ("person.name", "お名前", "Your name"),
    ("person.email", "メールアドレス", "Email address"),
    ("person.password", "パスワード（10文字以上）", "Password (at least 10 characters)"),
    ("tokens.title", "APIトークン", "API tokens"),
    ("tokens.intro", "システムからHoshiのAPIを使うためのトークンです（例: 取引先の★を毎晩一括確認する）。トークンは作成時に一度だけ表示され、保存されるのはハッシュだけです。", "Tokens let your systems use Hoshi's API (for example a nightly check of your suppliers' ★). A token is shown once when created; only its hash is kept."),
    ("tokens.name", "名前（用途）", "Name (what it is for)"),
    ("tokens.scope", "権限", "Scope"),
    ("tokens.create", "トークンを作る", "Create token"),
    ("tokens.created", "トークンを作りました。今すぐコピーしてください。この画面を離れると二度と表示されません。", "Token created. Copy it now: it will not be shown again."),
    ("tokens.none", "まだトークンはありません。", "No tokens yet."),
    ("tokens.prefix", "先頭", "Starts with"),
    ("tokens.created_at", "作成日時", "Created"),
    ("tokens.last_used", "最終利用", "Last used"),
    ("tokens.never", "未使用", "Never"),
    ("tokens.revoked", "無効化済み", "Revoked"),
    ("tokens.active", "有効", "Active"),
    ("tokens.revoke", "無効化する", "Revoke"),
    ("tokens.revoked_done", "トークンを無効化しました。", "The token was revoked."),
    ("invitation.title", "招待の受諾", "Accept the invitation"),
    ("invitation.intro", "次の組織に招待されています", "You are invited to join"),
    ("invitation.as", "役割", "as"),
    ("invitation.submit", "参加してサインイン", "Join and sign in"),
    ("invitation.existing", "すでにアカウントがある場合は、そのパスワードを入力してください（名前は変わりません）。", "If you already have an account, enter its password (your name stays as it is)."),
    ("dashboard.title", "ダッシュボード", "Dashboard"),
    ("dashboard.welcome", "ようこそ", "Welcome"),
    ("dashboard.first_steps", "最初にすること", "What to do first"),
    ("dashboard.done", "完了", "Done"),
    ("dashboard.todo", "未完了", "To do"),
    ("dashboard.step_profile", "組織のプロフィール（業種・従業員数・資本金）を入力する", "Complete your organisation profile (industry, employees, capital)"),
    ("dashboard.step_invite", "一緒に作業する同僚を招待する", "Invite the colleagues you work with"),
    ("dashboard.step_catalog", "★基準を読む", "Read the ★ standard"),
    ("dashboard.step_token", "夜間の一括確認などに使うAPIトークンを作る", "Create an API token for nightly bulk checks"),
    ("dashboard.supplier", "サプライヤーとして", "As a supplier"),
    ("dashboard.supplier_text", "★3は、サプライチェーンに参加するすべての企業が満たすべき最低限の水準です。★3の評価基準は81項目あり、どれか一つでも未達があると★3は取得できません。まず★基準で自社に当てはまる項目を確認しましょう。", "★3 is the minimum every company in a supply chain should meet. It has 81 criteria, and a single gap blocks the level. Start by reading which criteria apply to your company."),
    ("dashboard.supplier_link", "★3の評価基準を見る", "See the ★3 criteria"),
    ("dashboard.buyer", "バイヤーとして", "As a buyer"),
    ("dashboard.buyer_text", "取引先に求める★は、公表された判断基準で決めます。次のどれかに当てはまれば★4、当てはまらなければ★3です。", "Decide the ★ each supplier needs by the published rule: ★4 if any of these holds, otherwise ★3."),
    ("dashboard.buyer_q1", "取引先のITに、自社の重要な機密情報がある", "The supplier's IT holds your important confidential information"),
    ("dashboard.buyer_q2", "取引先が止まると、自社に許容できない遅れが出る", "A stoppage at the supplier would cause you an unacceptable delay"),
    ("dashboard.buyer_q3", "取引先の環境から自社の社内システムに接続できる", "The supplier's environment can reach your internal systems"),
    ("dashboard.expert", "専門家として", "As a security expert"),
    ("dashboard.expert_text", "専門家は、サプライヤーの★3自己評価を確認します。サプライヤーからの確認の依頼は「依頼」に届きます。", "Experts confirm suppliers' ★3 self-assessments. Requests from suppliers arrive under Requests."),
    ("dashboard.assessment_body", "評価機関として", "As an assessment body"),
    ("dashboard.assessment_body_text", "評価機関は、★4の第三者評価を行います。割り当てられた評価は「依頼」に届きます。", "Assessment bodies perform ★4 third-party assessments. Assigned assessments arrive under Requests."),
    ("dashboard.registry", "登録機関として", "As the registry operator"),
    ("dashboard.registry_text", "登録機関は、評価結果を登録し、認証書を発行・更新・停止・取消し、公開の登録簿を運営します。登録されている組織の数：", "The registry operator registers results, issues, renews, suspends and revokes certificates, and runs the public registry. Organisations registered: "),
    ("dashboard.regulator", "規制当局として", "As the regulator"),
    ("dashboard.regulator_text", "価格交渉に応じない発注者についてのサプライヤーからの申出と、価格協議全体の状況はここから確認できます。", "Suppliers' escalations about buyers that will not negotiate prices, and figures on all price negotiations, are here."),
    ("dashboard.roles", "この組織の役割", "Your organisation's roles"),
    ("catalog.title", "★基準", "The ★ standard"),
    ("catalog.edition", "版", "Edition"),
    ("catalog.levels", "レベル", "Levels"),
    ("catalog.level", "レベル", "Level"),
    ("catalog.assessed_by", "評価の方法", "Assessed by"),
    ("catalog.validity", "有効期間", "Valid for"),
    ("catalog.months", "か月", " months"),
    ("catalog.criteria_count", "評価基準", "criteria"),
    ("catalog.requirements", "要求事項", "requirements"),
    ("catalog.filter", "表示するレベル", "Show level"),
    ("catalog.all", "すべて", "All"),
    ("catalog.show", "表示", "Show"),
    ("catalog.guidance", "ガイダンス", "Guidance"),
    ("catalog.evidence", "証跡の例", "Evidence examples"),
    ("catalog.rule", "レベル取得のルール", "How a level is achieved"),
    ("catalog.download", "ダウンロード", "Download"),
    ("error.title", "問題が発生しました", "Something went wrong"),
    ("error.not_found", "ページが見つかりません。", "Page not found."),
    ("error.not_found_title", "ページが見つかりません", "Page not found"),
    ("error.too_large_title", "データが大きすぎます", "Too large"),
    ("error.back", "ダッシュボードへ戻る", "Back to the dashboard"),
    ("error.form", "入力内容を確認してください", "Please check what you entered"),
    ("error.csrf", "フォームの有効期限が切れたか、別の画面から送信されました。ページを読み込み直して、もう一度お試しください。", "The form has expired or was sent from another page. Reload the page and try again."),
    ("role.supplier", "サプライヤー（受注者）", "Supplier"),
    ("role.buyer", "バイヤー（発注者）", "Buyer"),
    ("role.expert", "情報セキュリティ専門家", "Security expert"),
    ("role.admin", "管理者", "Administrator"),
    ("role.member", "メンバー", "Member"),
    ("scope.read", "読み取りのみ", "Read only"),
    ("scope.read_write", "読み取り・書き込み", "Read and write"),
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static T: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| MESSAGES.iter().map(|(k, ja, en)| (*k, (*ja, *en))).collect())
}

/// The words of one language; templates call `t.t("key")`.
#[derive(Debug, Clone, Copy)]
pub struct T {
    pub lang: Lang,
}

impl T {
    pub fn t(&self, key: &str) -> &'static str {
        match table().get(key) {
            Some((ja, en)) => match self.lang {
                Lang::Ja => ja,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing screen text");
                "?"
            }
        }
    }
    pub fn ja(&self) -> bool {
        self.lang == Lang::Ja
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    /// Picks between two strings by language.
    pub fn pick<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        if self.ja() {
            ja
        } else {
            en
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(from_accept_language("en-US,en;q=0.9,ja;q=0.8"), Lang::En);
        assert_eq!(from_accept_language("ja,en-US;q=0.9"), Lang::Ja);
        assert_eq!(from_accept_language("fr-FR, en;q=0.5"), Lang::En);
        assert_eq!(from_accept_language("de"), Lang::Ja);
        assert_eq!(from_accept_language(""), Lang::Ja);
    }

    #[test]
    fn every_key_is_unique_and_both_languages_are_written() {
        let mut seen = std::collections::HashSet::new();
        for (k, ja, en) in MESSAGES {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!ja.is_empty() && !en.is_empty(), "{k} is missing a language");
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut files = Vec::new();
        for dir in ["templates", "src", "src/pages", "src/api"] {
            if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
                files.extend(rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()));
            }
        }
        for f in files.into_iter().filter(|f| !f.ends_with("i18n.rs")) {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (i, pat) in text.match_indices("t.t(\"").chain(text.match_indices("Both::key(\"")) {
                let rest = &text[i + pat.len()..];
                let key = &rest[..rest.find('"').unwrap_or(0)];
                if !table().contains_key(key) {
                    missing.push(format!("{}: {key}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing screen text: {missing:?}");
    }
}
