//! Organisations as the scheme sees them: the roles a company plays, its industry and
//! prefecture, and whether it is an SME (中小企業) under the SME Basic Act.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! keyed_enum {
    ($(#[$m:meta])* $name:ident, $err:literal { $($variant:ident = $key:literal, $ja:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The stable key used in storage, URLs and JSON.
            pub fn key(self) -> &'static str { match self { $($name::$variant => $key,)+ } }
            pub fn name_ja(self) -> &'static str { match self { $($name::$variant => $ja,)+ } }
            pub fn name_en(self) -> &'static str { match self { $($name::$variant => $en,)+ } }
            /// Parses the key, or the Japanese or English name.
            pub fn parse(s: &str) -> Result<Self, UnknownValue> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($key) || t == $ja || t.eq_ignore_ascii_case($en) { return Ok($name::$variant); })+
                Err(UnknownValue { what: $err, value: t.to_owned(), allowed: vec![$($key,)+] })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.key()) }
        }
    };
}

/// A value that is not one of a fixed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {what}: use one of {}", allowed.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub allowed: Vec<&'static str>,
}

keyed_enum!(
    /// A role an organisation plays in the scheme. A company may play several (supplier and buyer).
    OrgRole, "organisation role" {
        Supplier = "supplier", "サプライヤー（受注者）", "Supplier";
        Buyer = "buyer", "バイヤー（発注者）", "Buyer";
        Expert = "expert", "情報セキュリティ専門家", "Security expert";
        AssessmentBody = "assessment_body", "評価機関", "Assessment body";
        RegistryOperator = "registry_operator", "登録機関（制度運営者）", "Registry operator";
        Regulator = "regulator", "公正取引委員会（規制当局）", "Regulator (JFTC)";
    }
);

keyed_enum!(
    /// A person's role within their organisation.
    MemberRole, "member role" {
        Admin = "admin", "管理者", "Administrator";
        Member = "member", "メンバー", "Member";
    }
);

keyed_enum!(
    /// What an API token may do.
    TokenScope, "token scope" {
        Read = "read", "読み取りのみ", "Read only";
        ReadWrite = "read_write", "読み取り・書き込み", "Read and write";
    }
);

keyed_enum!(
    /// Industry groups as the SME Basic Act (中小企業基本法) distinguishes them.
    Industry, "industry" {
        Manufacturing = "manufacturing", "製造業・建設業・運輸業など", "Manufacturing, construction, transport and others";
        Wholesale = "wholesale", "卸売業", "Wholesale";
        Retail = "retail", "小売業", "Retail";
        Services = "services", "サービス業", "Services";
        Other = "other", "その他", "Other";
    }
);

/// The 47 prefectures, in the official order (JIS X 0401), with English names.
pub const PREFECTURES: [(&str, &str); 47] = [
    ("北海道", "Hokkaido"),
    ("青森県", "Aomori"),
    ("岩手県", "Iwate"),
    ("宮城県", "Miyagi"),
    ("秋田県", "Akita"),
    ("山形県", "Yamagata"),
    ("福島県", "Fukushima"),
    ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"),
    ("群馬県", "Gunma"),
    ("埼玉県", "Saitama"),
    ("千葉県", "Chiba"),
    ("東京都", "Tokyo"),
    ("神奈川県", "Kanagawa"),
    ("新潟県", "Niigata"),
    ("富山県", "Toyama"),
    ("石川県", "Ishikawa"),
    ("福井県", "Fukui"),
    ("山梨県", "Yamanashi"),
    ("長野県", "Nagano"),
    ("岐阜県", "Gifu"),
    ("静岡県", "Shizuoka"),
    ("愛知県", "Aichi"),
    ("三重県", "Mie"),
    ("滋賀県", "Shiga"),
    ("京都府", "Kyoto"),
    ("大阪府", "Osaka"),
    ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"),
    ("和歌山県", "Wakayama"),
    ("鳥取県", "Tottori"),
    ("島根県", "Shimane"),
    ("岡山県", "Okayama"),
    ("広島県", "Hiroshima"),
    ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"),
    ("香川県", "Kagawa"),
    ("愛媛県", "Ehime"),
    ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"),
    ("長崎県", "Nagasaki"),
    ("熊本県", "Kumamoto"),
    ("大分県", "Oita"),
    ("宮崎県", "Miyazaki"),
    ("鹿児島県", "Kagoshima"),
    ("沖縄県", "Okinawa"),
];

/// A prefecture, stored by its Japanese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Prefecture(u8);

impl Prefecture {
    /// Parses `東京都`, `東京`, `Tokyo`, `tokyo-to` or the JIS code `13`.
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let lower = lower.trim_end_matches(" prefecture").trim_end_matches("-ken").trim_end_matches("-fu").trim_end_matches("-to");
        for (i, (ja, en)) in PREFECTURES.iter().enumerate() {
            let short = ja.trim_end_matches(['都', '府', '県']);
            if t == *ja || (t == short && *ja != "北海道") || lower == en.to_ascii_lowercase() {
                return Ok(Prefecture(i as u8));
            }
        }
        if let Ok(code) = t.parse::<u8>() {
            if (1..=47).contains(&code) {
                return Ok(Prefecture(code - 1));
            }
        }
        Err(UnknownValue { what: "prefecture", value: t.to_owned(), allowed: vec!["東京都", "Tokyo", "13 (JIS code)", "…"] })
    }
    /// The JIS code, 1 (Hokkaido) to 47 (Okinawa).
    pub fn code(self) -> u8 {
        self.0 + 1
    }
    pub fn name_ja(self) -> &'static str {
        PREFECTURES[usize::from(self.0)].0
    }
    pub fn name_en(self) -> &'static str {
        PREFECTURES[usize::from(self.0)].1
    }
}

impl From<Prefecture> for String {
    fn from(p: Prefecture) -> String {
        p.name_ja().to_owned()
    }
}

impl<'de> Deserialize<'de> for Prefecture {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Prefecture::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Whether a company is an SME (中小企業) under the SME Basic Act: capital *or* regular
/// employees at or under the industry's threshold. `None` when neither figure is known.
pub fn is_sme(industry: Industry, employees: Option<u64>, capital_yen: Option<u64>) -> Option<bool> {
    let (max_capital, max_employees): (u64, u64) = match industry {
        Industry::Manufacturing | Industry::Other => (300_000_000, 300),
        Industry::Wholesale => (100_000_000, 100),
        Industry::Retail => (50_000_000, 50),
        Industry::Services => (50_000_000, 100),
    };
    match (employees, capital_yen) {
        (None, None) => None,
        (e, c) => Some(e.is_some_and(|e| e <= max_employees) || c.is_some_and(|c| c <= max_capital)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_key_or_name() {
        assert_eq!(OrgRole::parse("assessment_body"), Ok(OrgRole::AssessmentBody));
        assert_eq!(OrgRole::parse("評価機関"), Ok(OrgRole::AssessmentBody));
        assert_eq!(OrgRole::parse("Buyer"), Ok(OrgRole::Buyer));
        let e = OrgRole::parse("vendor").unwrap_err();
        assert!(e.to_string().contains("supplier, buyer"), "{e}");
    }

    #[test]
    fn prefectures_parse_the_ways_people_write_them() {
        for s in ["東京都", "東京", "Tokyo", "tokyo-to", "13"] {
            assert_eq!(Prefecture::parse(s).map(Prefecture::name_ja), Ok("東京都"), "{s}");
        }
        assert_eq!(Prefecture::parse("愛知").map(Prefecture::name_en), Ok("Aichi"));
        assert!(Prefecture::parse("Atlantis").is_err());
        assert!(Prefecture::parse("48").is_err());
    }

    #[test]
    fn sme_thresholds_follow_the_sme_basic_act() {
        assert_eq!(is_sme(Industry::Manufacturing, Some(300), Some(1_000_000_000)), Some(true));
        assert_eq!(is_sme(Industry::Manufacturing, Some(301), Some(300_000_001)), Some(false));
        assert_eq!(is_sme(Industry::Retail, Some(60), Some(50_000_000)), Some(true));
        assert_eq!(is_sme(Industry::Services, Some(101), None), Some(false));
        assert_eq!(is_sme(Industry::Wholesale, None, None), None);
    }
}
