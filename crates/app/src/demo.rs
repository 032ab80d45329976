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

impl DemoOrg {
    pub fn corporate_number(&self) -> CorporateNumber {
        let mut base = [0u8; 12];
        for (slot, ch) in base.iter_mut().zip(self.base.bytes()) {
            *slot = ch - b'0';
        }
        CorporateNumber::from_base(&base).unwrap_or_else(|| unreachable!("demo bases are digits"))
    }
}

impl App {
    /// Seeds the demo world; returns how many organisations were created (0 when it existed).
    pub async fn seed_demo(&self) -> Result<usize, AppError> {
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
                prefecture: Prefecture::parse(d.prefecture)
                    .map_err(|e| AppError::invalid("prefecture", e.to_string(), e.to_string()))?,
                address: String::new(),
                industry: d.industry,
                employees: Some(d.employees),
                capital_yen: Some(d.capital_yen),
                roles: d.roles.to_vec(),
            };
            self.admin_create_org(&new).await?;
            self.admin_add_user(d.email, d.person, DEMO_PASSWORD, &cn, MemberRole::Admin)
                .await?;
            created += 1;
        }
        Ok(created)
    }
}
