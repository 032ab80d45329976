//! The demo world: an automaker, its tier-1 and tier-2 suppliers, an expert, an assessment
//! body, the registry operator and the regulator, each with a login. Seeding is idempotent:
//! organisations that already exist are left as they are.

use hoshi_core::org::{Industry, MemberRole, OrgRole, Prefecture};
use hoshi_core::CorporateNumber;
use hoshi_store::orgs::{self, NewOrg};

use crate::{App, AppError};

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "hoshi-demo-2026";

/// One demo organisation and its login.
pub struct DemoOrg {
    /// 12 digits; the check digit is computed.
    pub base: &'static str,
    pub name_ja: &'static str,
    pub name_en: &'static str,
    pub prefecture: &'static str,
    pub industry: Industry,
    pub employees: u64,
    pub capital_yen: u64,
    pub roles: &'static [OrgRole],
    pub email: &'static str,
    pub person: &'static str,
    /// What this login shows, for the printed list.
    pub what_ja: &'static str,
    pub what_en: &'static str,
}

pub const WORLD: &[DemoOrg] = &[
    DemoOrg {
        base: "180001000001",
        name_ja: "東海自動車株式会社",
        name_en: "Tokai Motor Corporation",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 70_000,
        capital_yen: 635_000_000_000,
        roles: &[OrgRole::Buyer],
        email: "buyer@tokai-motor.example",
        person: "調達部 山田 花子",
        what_ja: "自動車メーカー（発注者）",
        what_en: "automaker (buyer)",
    },
    DemoOrg {
        base: "180001000002",
        name_ja: "三河精機株式会社",
        name_en: "Mikawa Precision Co., Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 1_200,
        capital_yen: 2_000_000_000,
        roles: &[OrgRole::Supplier, OrgRole::Buyer],
        email: "owner@mikawa-seiki.example",
        person: "情報システム課 佐藤 健",
        what_ja: "一次サプライヤー",
        what_en: "tier-1 supplier",
    },
    DemoOrg {
        base: "180001000003",
        name_ja: "浜松電装株式会社",
        name_en: "Hamamatsu Denso Co., Ltd.",
        prefecture: "静岡県",
        industry: Industry::Manufacturing,
        employees: 850,
        capital_yen: 900_000_000,
        roles: &[OrgRole::Supplier, OrgRole::Buyer],
        email: "owner@hamamatsu-denso.example",
        person: "総務部 鈴木 一郎",
        what_ja: "一次サプライヤー",
        what_en: "tier-1 supplier",
    },
    DemoOrg {
        base: "180001000004",
        name_ja: "岡崎樹脂工業株式会社",
        name_en: "Okazaki Resin Industries Co., Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 45,
        capital_yen: 20_000_000,
        roles: &[OrgRole::Supplier],
        email: "owner@okazaki-jushi.example",
        person: "代表取締役 高橋 誠",
        what_ja: "二次サプライヤー（中小企業）",
        what_en: "tier-2 SME supplier",
    },
    DemoOrg {
        base: "180001000005",
        name_ja: "豊橋金属加工株式会社",
        name_en: "Toyohashi Metalworks Co., Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 28,
        capital_yen: 10_000_000,
        roles: &[OrgRole::Supplier],
        email: "owner@toyohashi-kinzoku.example",
        person: "代表取締役 伊藤 美咲",
        what_ja: "二次サプライヤー（中小企業）",
        what_en: "tier-2 SME supplier",
    },
    DemoOrg {
        base: "180001000006",
        name_ja: "有限会社刈谷プレス",
        name_en: "Kariya Press Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 12,
        capital_yen: 3_000_000,
        roles: &[OrgRole::Supplier],
        email: "owner@kariya-press.example",
        person: "代表 渡辺 大輔",
        what_ja: "二次サプライヤー（小規模事業者）",
        what_en: "tier-2 small supplier",
    },
    DemoOrg {
        base: "180001000011",
        name_ja: "名古屋ダイカスト株式会社",
        name_en: "Nagoya Die Casting Co., Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 140,
        capital_yen: 80_000_000,
        roles: &[OrgRole::Supplier],
        email: "owner@nagoya-diecast.example",
        person: "総務課 山本 拓也",
        what_ja: "二次サプライヤー（認証取消の例）",
        what_en: "tier-2 supplier (revoked certificate)",
    },
    DemoOrg {
        base: "180001000012",
        name_ja: "瀬戸セラミック株式会社",
        name_en: "Seto Ceramics Co., Ltd.",
        prefecture: "愛知県",
        industry: Industry::Manufacturing,
        employees: 65,
        capital_yen: 30_000_000,
        roles: &[OrgRole::Supplier],
        email: "owner@seto-ceramic.example",
        person: "代表取締役 木村 陽子",
        what_ja: "二次サプライヤー（★3認証済み）",
        what_en: "tier-2 supplier (★3 certified)",
    },
    DemoOrg {
        base: "180001000007",
        name_ja: "鈴木情報セキュリティ事務所",
        name_en: "Suzuki Information Security Office",
        prefecture: "愛知県",
        industry: Industry::Services,
        employees: 3,
        capital_yen: 1_000_000,
        roles: &[OrgRole::Expert],
        email: "expert@suzuki-sec.example",
        person: "情報処理安全確保支援士 鈴木 恵",
        what_ja: "情報セキュリティ専門家",
        what_en: "security expert",
    },
    DemoOrg {
        base: "180001000008",
        name_ja: "中部サイバー評価センター株式会社",
        name_en: "Chubu Cyber Assessment Center Inc.",
        prefecture: "愛知県",
        industry: Industry::Services,
        employees: 60,
        capital_yen: 50_000_000,
        roles: &[OrgRole::AssessmentBody],
        email: "assessor@chubu-cyber.example",
        person: "評価部 中村 亮",
        what_ja: "評価機関",
        what_en: "assessment body",
    },
    DemoOrg {
        base: "180001000009",
        name_ja: "情報処理推進機構（デモ）",
        name_en: "IPA (demo)",
        prefecture: "東京都",
        industry: Industry::Other,
        employees: 1_000,
        capital_yen: 0,
        roles: &[OrgRole::RegistryOperator],
        email: "registry@ipa-demo.example",
        person: "登録担当 小林 直子",
        what_ja: "登録機関（制度運営者）",
        what_en: "registry operator",
    },
    DemoOrg {
        base: "180001000010",
        name_ja: "公正取引委員会（デモ）",
        name_en: "Japan Fair Trade Commission (demo)",
        prefecture: "東京都",
        industry: Industry::Other,
        employees: 800,
        capital_yen: 0,
        roles: &[OrgRole::Regulator],
        email: "regulator@jftc-demo.example",
        person: "取引部 加藤 修",
        what_ja: "規制当局",
        what_en: "regulator",
    },
];

/// A supplier in a demo supplier list. Registered demo organisations use their own bases.
pub struct DemoSupplier {
    pub base: &'static str,
    pub name: &'static str,
    pub purchases: &'static str,
    pub supplies: &'static str,
    pub confidential: bool,
    pub outage: bool,
    pub network: bool,
    pub criticality: &'static str,
    pub email: &'static str,
}

impl DemoSupplier {
    pub fn corporate_number(&self) -> CorporateNumber {
        base_number(self.base)
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "はい"
    } else {
        "いいえ"
    }
}

const fn sup(
    base: &'static str,
    name: &'static str,
    purchases: &'static str,
    supplies: &'static str,
    flags: (bool, bool, bool),
    criticality: &'static str,
    email: &'static str,
) -> DemoSupplier {
    DemoSupplier { base, name, purchases, supplies, confidential: flags.0, outage: flags.1, network: flags.2, criticality, email }
}

const NONE: (bool, bool, bool) = (false, false, false);

/// The automaker's direct suppliers. 矢作樹脂工業 is the Kojima-style case: not in Hoshi, its
/// ordering link reaches the automaker's systems and its outage would stop the plants.
pub const TOKAI_SUPPLIERS: &[DemoSupplier] = &[
    sup("180001000002", "三河精機株式会社", "12,000,000,000", "精密部品", NONE, "中", "owner@mikawa-seiki.example"),
    sup("180001000003", "浜松電装株式会社", "8,500,000,000", "電装品", (true, true, true), "高", "owner@hamamatsu-denso.example"),
    sup("180002000001", "矢作樹脂工業株式会社", "3,200,000,000", "樹脂内装部品", (false, true, true), "高", "info@yahagi-jushi.example"),
    sup("180001000012", "瀬戸セラミック株式会社", "400,000,000", "セラミック部品", NONE, "低", "owner@seto-ceramic.example"),
    sup("180001000005", "豊橋金属加工株式会社", "600,000,000", "金属加工品", (false, true, false), "中", "owner@toyohashi-kinzoku.example"),
    sup("180001000011", "名古屋ダイカスト株式会社", "1,500,000,000", "ダイカスト部品", NONE, "中", "owner@nagoya-diecast.example"),
    sup("180002000002", "知多ゴム工業株式会社", "900,000,000", "ゴム部品", NONE, "中", ""),
    sup("180002000003", "豊田ロジスティクス株式会社", "2,100,000,000", "部品物流", (false, true, true), "高", ""),
    sup("180002000004", "岐阜電子株式会社", "1,100,000,000", "電子部品", (true, false, false), "中", ""),
    sup("180002000005", "四日市化成株式会社", "700,000,000", "化成品", NONE, "低", ""),
    sup("180002000006", "津島繊維株式会社", "300,000,000", "内装材", NONE, "低", ""),
    sup("180002000007", "碧南鋳造株式会社", "1,300,000,000", "鋳造品", (false, true, false), "高", ""),
    sup("180002000008", "安城塗装株式会社", "250,000,000", "塗装", NONE, "低", ""),
    sup("180002000009", "半田ファスナー株式会社", "180,000,000", "締結部品", NONE, "低", ""),
    sup("180002000010", "蒲郡ガラス株式会社", "650,000,000", "ガラス部品", NONE, "中", ""),
    sup("180002000011", "一宮システム開発株式会社", "450,000,000", "生産管理システムの保守", (true, false, true), "高", ""),
];

/// Mikawa Precision's suppliers (shared with the automaker).
pub const MIKAWA_SUPPLIERS: &[DemoSupplier] = &[
    sup("180001000004", "岡崎樹脂工業株式会社", "300,000,000", "樹脂成形品", (false, true, true), "高", "owner@okazaki-jushi.example"),
    sup("180001000005", "豊橋金属加工株式会社", "200,000,000", "切削加工", NONE, "中", "owner@toyohashi-kinzoku.example"),
    sup("180001000006", "有限会社刈谷プレス", "80,000,000", "プレス加工", NONE, "中", "owner@kariya-press.example"),
    sup("180002000012", "刈谷金型製作所株式会社", "60,000,000", "金型", (true, false, false), "中", ""),
];

/// Hamamatsu Denso's suppliers (shared with the automaker): Okazaki again, so paths rejoin.
pub const HAMAMATSU_SUPPLIERS: &[DemoSupplier] = &[
    sup("180001000012", "瀬戸セラミック株式会社", "150,000,000", "絶縁部品", NONE, "中", "owner@seto-ceramic.example"),
    sup(
        "180001000011",
        "名古屋ダイカスト株式会社",
        "220,000,000",
        "ハウジング",
        (false, true, false),
        "中",
        "owner@nagoya-diecast.example",
    ),
    sup("180001000004", "岡崎樹脂工業株式会社", "120,000,000", "樹脂コネクタ", (false, true, false), "中", "owner@okazaki-jushi.example"),
    sup("180002000013", "浜松基板株式会社", "260,000,000", "プリント基板", (true, true, false), "高", ""),
];

/// Okazaki Resin's suppliers (tier 3 for the automaker).
pub const OKAZAKI_SUPPLIERS: &[DemoSupplier] = &[
    sup("180002000014", "額田化学株式会社", "40,000,000", "樹脂原料", NONE, "中", ""),
    sup("180002000015", "岡崎成形機サービス有限会社", "8,000,000", "成形機の遠隔保守", (false, true, true), "高", ""),
];

fn base_number(base: &str) -> CorporateNumber {
    let mut digits = [0u8; 12];
    for (slot, ch) in digits.iter_mut().zip(base.bytes()) {
        *slot = ch - b'0';
    }
    CorporateNumber::from_base(&digits).unwrap_or_else(|| unreachable!("demo bases are digits"))
}

impl DemoOrg {
    pub fn corporate_number(&self) -> CorporateNumber {
        base_number(self.base)
    }
}

impl App {
    /// Seeds the demo world: organisations, logins, the expert's directory entry, and
    /// assessments — a tier-1 supplier with an expert-confirmed ★3 shared with the automaker, a
    /// tier-1 on its way to ★4, and an SME that has just started. Idempotent.
    pub async fn seed_demo(&self) -> Result<usize, AppError> {
        let created = self.seed_demo_orgs_only().await?;
        if created == 0 {
            return Ok(0);
        }
        let expert = self.system_actor("expert@suzuki-sec.example").await?;
        self.update_expert_profile(
            &expert,
            &crate::assessment::ExpertProfileInput {
                qualification: "情報処理安全確保支援士 / Registered Information Security Specialist".into(),
                registration_number: "012345".into(),
                regions: "愛知県,岐阜県,三重県,静岡県".into(),
                languages: "ja,en".into(),
                public_support: true,
                bio_ja: "製造業の中小企業を中心に、★3取得の支援と自己評価の確認を行っています。".into(),
                bio_en: "Helps small manufacturers reach ★3 and confirms their self-assessments.".into(),
            },
        )
        .await?;
        let cn_of = |email: &str| WORLD.iter().find(|d| d.email == email).map(|d| d.corporate_number().to_string()).unwrap_or_default();
        let expert_cn = cn_of("expert@suzuki-sec.example");
        let buyer_cn = cn_of("buyer@tokai-motor.example");

        // Mikawa Precision: ★3 confirmed by the expert, pledge signed, shared with the automaker.
        let mikawa = self.system_actor("owner@mikawa-seiki.example").await?;
        let a = self.start_assessment(&mikawa, "3", "company", "本社・工場の社内IT（オンプレミスとクラウド）").await?;
        let edition = crate::assessment::current_edition()?;
        for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
            if c.id == "4-1-2-4" {
                self.answer(
                    &mikawa,
                    a.id,
                    &c.id,
                    "not_applicable",
                    "自社でシステム開発を行っておらず、開発用の管理者権限が存在しないため。",
                    "",
                )
                .await?;
            } else {
                self.answer(&mikawa, a.id, &c.id, "met", "", "").await?;
            }
        }
        self.add_evidence(
            &mikawa,
            a.id,
            "4-3-4-2",
            "backup-policy.txt",
            "バックアップ方針: 日次でクラウドへ暗号化して保管（保存期間90日）。\n".as_bytes(),
        )
        .await?;
        let e = self.engage(&mikawa, a.id, &expert_cn, crate::assessment::CONFIRMATION, "★3の確認をお願いします。").await?;
        // One query answered and resolved before the expert agrees: the thread stays on record.
        self.review(&expert, e.id, "4-3-4-2", "query", "バックアップの復元テストの記録はありますか。", false).await?;
        self.reply_to_finding(
            &mikawa,
            a.id,
            e.id,
            "4-3-4-2",
            "四半期ごとに復元テストを行い、記録をbackup-policy.txtに追記しています。",
            "",
        )
        .await?;
        self.resolve_finding(&expert, e.id, "4-3-4-2", "復元テストの記録を確認しました。").await?;
        for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
            let na = c.id == "4-1-2-4";
            self.review(&expert, e.id, &c.id, "agree", if na { "開発業務がないことを確認" } else { "" }, na).await?;
        }
        self.sign_pledge(&mikawa, a.id, "佐藤 健", "取締役 情報セキュリティ担当").await?;
        self.confirm(&expert, e.id, "全ての評価基準を確認しました。").await?;
        self.share(&mikawa, a.id, &buyer_cn, crate::assessment::ShareLevel::Answers).await?;

        let registry = self.system_actor("registry@ipa-demo.example").await?;
        let application = self.apply(&mikawa, a.id).await?;
        self.decide(&registry, application.id, true, "書類一式を確認した").await?;

        // Four more ★3 certificates: active, suspended, revoked — and Hamamatsu's earlier ★3.
        let mut serials = Vec::new();
        for email in [
            "owner@seto-ceramic.example",
            "owner@toyohashi-kinzoku.example",
            "owner@nagoya-diecast.example",
            "owner@hamamatsu-denso.example",
        ] {
            let who = self.system_actor(email).await?;
            let a = self.start_assessment(&who, "3", "company", "全社").await?;
            for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
                self.answer(&who, a.id, &c.id, "met", "", "").await?;
            }
            let e = self.engage(&who, a.id, &expert_cn, crate::assessment::CONFIRMATION, "").await?;
            for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
                self.review(&expert, e.id, &c.id, "agree", "", false).await?;
            }
            self.sign_pledge(&who, a.id, &who.display_name, "代表者").await?;
            self.confirm(&expert, e.id, "確認しました。").await?;
            let application = self.apply(&who, a.id).await?;
            let decided = self.decide(&registry, application.id, true, "書類一式を確認した").await?;
            serials.push(decided.serial.unwrap_or_default());
        }
        self.change_certificate(
            &registry,
            &serials[1],
            "suspend",
            "annual_self_assessment",
            "年次の自己評価が期限までに提出されていないため",
        )
        .await?;
        self.change_certificate(&registry, &serials[2], "revoke", "misrepresentation", "申告内容と実態の重大な相違が判明したため").await?;

        // An expert whose accreditation was withdrawn: its approval and withdrawal are in the log.
        let ise = CorporateNumber::from_base(&[1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 7, 7]).unwrap_or_else(|| unreachable!("digits"));
        self.admin_create_org(&NewOrg {
            corporate_number: ise,
            name_ja: "伊勢セキュリティ事務所".into(),
            name_en: "Ise Security Office".into(),
            prefecture: Prefecture::parse("三重県").map_err(|e| AppError::invalid("prefecture", e.to_string(), e.to_string()))?,
            address: String::new(),
            industry: Industry::Other,
            employees: Some(3),
            capital_yen: None,
            roles: vec![OrgRole::Expert],
        })
        .await?;
        self.admin_add_user("expert@ise-sec.example", "伊勢 誠", DEMO_PASSWORD, &ise, MemberRole::Admin).await?;
        let ise_expert = self.system_actor("expert@ise-sec.example").await?;
        self.verify_org(Some(&registry), &ise, true, "登記事項証明書（デモ）: 商号・所在地が一致", None).await?;
        self.apply_accreditation(
            &ise_expert,
            &crate::trust::AccreditationInput {
                qualification: "情報処理安全確保支援士".into(),
                number: "099001".into(),
                training_completed_on: "2026-04-01".into(),
                ..Default::default()
            },
        )
        .await?;
        self.decide_accreditation(Some(&registry), &ise, None, "approve", "", "").await?;
        self.decide_accreditation(Some(&registry), &ise, None, "withdraw", "登録番号の失効が確認されたため", "").await?;

        // Hamamatsu Denso: certified at ★3, now on its way to ★4.
        let hamamatsu = self.system_actor("owner@hamamatsu-denso.example").await?;
        let a = self.start_assessment(&hamamatsu, "4", "company", "全社").await?;
        for (i, c) in edition.criteria_up_to(hoshi_core::Level::FOUR).enumerate() {
            let status = if c.level <= hoshi_core::Level::THREE || i % 3 == 0 {
                "met"
            } else if i % 3 == 1 {
                "not_met"
            } else {
                continue;
            };
            self.answer(&hamamatsu, a.id, &c.id, status, "", "").await?;
        }
        self.share(&hamamatsu, a.id, &buyer_cn, crate::assessment::ShareLevel::Result).await?;

        // Okazaki Resin: an SME that has just started towards ★3.
        let okazaki = self.system_actor("owner@okazaki-jushi.example").await?;
        let a = self.start_assessment(&okazaki, "3", "company", "").await?;
        for c in edition.criteria_up_to(hoshi_core::Level::ONE) {
            self.answer(&okazaki, a.id, &c.id, "met", "", "").await?;
        }
        self.answer(&okazaki, a.id, "4-1-3-2", "not_met", "", "クラウドの多要素認証はまだ").await?;
        // Its remediation plan toward ★3 by the end of the fiscal year, one task per requirement:
        // the first has an owner and is under way, the second is closed with evidence.
        let target = format!("{}-03-31", {
            let (y, m, _) = hoshi_core::time::jst_date(self.now());
            if m <= 3 {
                y
            } else {
                y + 1
            }
        });
        self.create_plan(&okazaki, a.id, &target, "requirement").await?;
        if let Some(plan) = self.plan(&okazaki, a.id).await? {
            let today = hoshi_core::time::jst_date_string(self.now());
            if let Some(t) = plan.tasks.first() {
                self.update_task(&okazaki, a.id, t.task.id, "総務部 石川", t.task.due_date.as_deref().unwrap_or(&today), "doing", "")
                    .await?;
            }
            if let Some(t) = plan.tasks.get(1) {
                let policy = "情報セキュリティ基本方針（2026年版）\n1. 目的 …\n".as_bytes();
                self.close_task(
                    &okazaki,
                    a.id,
                    t.task.id,
                    crate::plan::Closing::Upload { filename: "基本方針.txt", bytes: policy },
                    "取締役会で承認",
                )
                .await?;
            }
        }
        // The national expert-support programme, run by the registry operator, and Okazaki's request.
        let operator = self.system_actor("registry@ipa-demo.example").await?;
        let fy = {
            let (y, m, _) = hoshi_core::time::jst_date(self.now());
            if m <= 3 {
                y - 1
            } else {
                y
            }
        };
        let operator_cn = operator.org.corporate_number.to_string();
        self.grant_programme(&operator, &operator_cn, "中小企業セキュリティ専門家派遣（全国）", "", &fy.to_string(), "2000").await?;
        let ask = crate::support::RequestInput {
            needs: "★3の取得に向けて、ギャップの優先順位づけと社内規程の作成を手伝ってほしい。".into(),
            ..Default::default()
        };
        let request = self.request_support(&okazaki, &ask).await?;
        let expert_cn =
            WORLD.iter().find(|d| d.email == "expert@suzuki-sec.example").map(|d| d.corporate_number().to_string()).unwrap_or_default();
        if self.match_support(&operator, request.id, &expert_cn).await.is_ok() {
            let expert = self.system_actor("expert@suzuki-sec.example").await?;
            self.record_session(&expert, request.id, &hoshi_core::time::jst_date_string(self.now()), "2", "初回面談・ギャップの確認")
                .await?;
        }
        self.sequence().await?;
        self.seed_demo_suppliers().await?;
        self.seed_demo_negotiations().await?;
        Ok(created)
    }

    /// A price consultation 岡崎樹脂工業 opened with 浜松電装 forty days ago, still unanswered:
    /// its response date has passed, so the supplier may take it to the Fair Trade Commission.
    pub async fn seed_demo_negotiations(&self) -> Result<(), AppError> {
        let past = self.at_time(self.now() - 40 * 86_400);
        let okazaki = past.system_actor("owner@okazaki-jushi.example").await?;
        let Some(a) = past.my_assessments(&okazaki).await?.into_iter().next() else { return Ok(()) };
        let hamamatsu =
            WORLD.iter().find(|d| d.email == "owner@hamamatsu-denso.example").map(|d| d.corporate_number().to_string()).unwrap_or_default();
        let input = crate::negotiation::PlanInput {
            assessment_id: a.id,
            rule: "weighted_airport".into(),
            buyers: vec![crate::negotiation::BuyerInput {
                buyer: hamamatsu,
                weight_yen: 120_000_000,
                level: Some(3),
                annual_units: Some(400_000),
            }],
            revenue_yen: Some(480_000_000),
            ..Default::default()
        };
        past.open_negotiations(&okazaki, &input, "★3取得のための対策費用について、価格への反映をご協議ください。", "", &[]).await?;
        Ok(())
    }

    /// The demo's supplier lists, imported through the real import: the automaker's tier 1
    /// (with a Kojima-style resin supplier, not in Hoshi, whose outage would stop the plants),
    /// the tier-1s' own suppliers shared with the automaker, and one tier-2 list behind them.
    pub async fn seed_demo_suppliers(&self) -> Result<(), AppError> {
        let header = "法人番号,名称,年間購入額,供給品目,機密情報の保有,停止影響,ネットワーク接続,重要度,連絡先メール\n";
        let csv = |rows: &[DemoSupplier]| {
            let mut out = header.to_owned();
            for r in rows {
                out.push_str(&format!(
                    "{},{},\"{}\",{},{},{},{},{},{}\n",
                    r.corporate_number(),
                    r.name,
                    r.purchases,
                    r.supplies,
                    yes(r.confidential),
                    yes(r.outage),
                    yes(r.network),
                    r.criticality,
                    r.email
                ));
            }
            out
        };
        for (email, list) in [
            ("buyer@tokai-motor.example", TOKAI_SUPPLIERS),
            ("owner@mikawa-seiki.example", MIKAWA_SUPPLIERS),
            ("owner@hamamatsu-denso.example", HAMAMATSU_SUPPLIERS),
            ("owner@okazaki-jushi.example", OKAZAKI_SUPPLIERS),
        ] {
            let who = self.system_actor(email).await?;
            let report = self
                .import_suppliers(&who, "demo-suppliers.csv", csv(list).as_bytes(), crate::suppliers::ImportMode::AllOrNothing, false)
                .await?;
            if !report.errors.is_empty() {
                return Err(AppError::invalid(
                    "demo",
                    "デモの取引先データに誤りがあります。",
                    format!("demo supplier data: {:?}", report.errors),
                ));
            }
        }
        let tokai = WORLD[0].corporate_number().to_string();
        for email in ["owner@mikawa-seiki.example", "owner@hamamatsu-denso.example", "owner@okazaki-jushi.example"] {
            let who = self.system_actor(email).await?;
            self.share_tiers(&who, &tokai, true).await?;
        }
        // A requirement above the rule, with its reason and a future effective date.
        let buyer = self.system_actor("buyer@tokai-motor.example").await?;
        let ichinomiya = TOKAI_SUPPLIERS.iter().find(|s| s.base == "180002000011").map(DemoSupplier::corporate_number);
        if let Some(cn) = ichinomiya {
            self.set_requirement(
                &buyer,
                &cn.to_string(),
                "5",
                "生産管理システムの保守で管理者権限を持つため / holds administrator rights to the production control system",
                "2027-04-01",
            )
            .await?;
        }
        Ok(())
    }

    /// Adds `n` extra suppliers, each with an expert-confirmed ★3 and a pending application, for
    /// load and crash tests of the registry (the operator then decides them).
    pub async fn seed_applicants(&self, n: usize) -> Result<usize, AppError> {
        let expert = self.system_actor("expert@suzuki-sec.example").await?;
        let expert_cn = expert.org.corporate_number.to_string();
        let edition = crate::assessment::current_edition()?;
        for i in 0..n {
            let mut base = [0u8; 12];
            for (b, c) in base.iter_mut().zip(format!("{:012}", 190_000_000_000u64 + i as u64).bytes()) {
                *b = c - b'0';
            }
            let cn = CorporateNumber::from_base(&base).unwrap_or_else(|| unreachable!("digits"));
            let email = format!("applicant{i}@applicants.example");
            let new = NewOrg {
                corporate_number: cn,
                name_ja: format!("申請テスト{i}株式会社"),
                name_en: format!("Applicant {i} K.K."),
                prefecture: Prefecture::parse("愛知県").map_err(|e| AppError::invalid("prefecture", e.to_string(), e.to_string()))?,
                address: String::new(),
                industry: Industry::Manufacturing,
                employees: Some(20),
                capital_yen: Some(10_000_000),
                roles: vec![OrgRole::Supplier],
            };
            self.admin_create_org(&new).await?;
            self.admin_add_user(&email, "申請担当", DEMO_PASSWORD, &cn, MemberRole::Admin).await?;
            self.verify_org(None, &cn, true, "load test applicant", None).await?;
            let who = self.system_actor(&email).await?;
            let a = self.start_assessment(&who, "3", "company", "").await?;
            for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
                self.answer(&who, a.id, &c.id, "met", "", "").await?;
            }
            let e = self.engage(&who, a.id, &expert_cn, crate::assessment::CONFIRMATION, "").await?;
            for c in edition.criteria_up_to(hoshi_core::Level::THREE) {
                self.review(&expert, e.id, &c.id, "agree", "", false).await?;
            }
            self.sign_pledge(&who, a.id, "申請担当", "代表取締役").await?;
            self.confirm(&expert, e.id, "").await?;
            self.apply(&who, a.id).await?;
        }
        Ok(n)
    }

    /// Seeds the demo world's organisations and logins only (no assessments), for tests.
    pub async fn seed_demo_orgs_only(&self) -> Result<usize, AppError> {
        let mut created = 0;
        for d in WORLD {
            let cn = d.corporate_number();
            let mut conn = self.store.pool().acquire().await?;
            if orgs::by_corporate_number(&mut conn, &cn).await?.is_some() {
                continue;
            }
            drop(conn);
            let new = NewOrg {
                corporate_number: cn,
                name_ja: d.name_ja.into(),
                name_en: d.name_en.into(),
                prefecture: Prefecture::parse(d.prefecture).map_err(|e| AppError::invalid("prefecture", e.to_string(), e.to_string()))?,
                address: String::new(),
                industry: d.industry,
                employees: Some(d.employees),
                capital_yen: Some(d.capital_yen),
                roles: d.roles.to_vec(),
            };
            self.admin_create_org(&new).await?;
            self.admin_add_user(d.email, d.person, DEMO_PASSWORD, &cn, MemberRole::Admin).await?;
            created += 1;
        }
        if created > 0 {
            self.seed_demo_trust().await?;
        }
        Ok(created)
    }

    /// The demo world's organisations are verified by the operator, and its expert and
    /// assessment body are approved (each approval an entry in the log).
    async fn seed_demo_trust(&self) -> Result<(), AppError> {
        let registry = self.system_actor("registry@ipa-demo.example").await?;
        for d in WORLD {
            let checked = "登記事項証明書（デモ）: 商号・本店所在地・代表者が一致 / certificate of registered matters (demo): name, head office and representative match";
            self.verify_org(Some(&registry), &d.corporate_number(), true, checked, None).await?;
        }
        let expert = self.system_actor("expert@suzuki-sec.example").await?;
        self.apply_accreditation(
            &expert,
            &crate::trust::AccreditationInput {
                qualification: "情報処理安全確保支援士 / Registered Information Security Specialist".into(),
                number: "012345".into(),
                training_completed_on: "2026-04-15".into(),
                ..Default::default()
            },
        )
        .await?;
        self.decide_accreditation(Some(&registry), &expert.org.corporate_number, None, "approve", "", "").await?;
        let body = self.system_actor("assessor@chubu-cyber.example").await?;
        self.apply_accreditation(
            &body,
            &crate::trust::AccreditationInput {
                qualification: "SCS評価制度 評価機関指定 / designated assessment body".into(),
                number: "SCS-AB-0001".into(),
                technical_verification: Some("on".into()),
                ..Default::default()
            },
        )
        .await?;
        self.decide_accreditation(Some(&registry), &body.org.corporate_number, None, "approve", "", "").await?;
        Ok(())
    }
}
