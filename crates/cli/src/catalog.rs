//! `hoshi catalog …`: list, show, export and check editions of the standard.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use hoshi_core::Level;
use hoshi_standard::{embedded_edition, export, load_edition, oscal, Edition, Lang};

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Show the levels, categories and how many requirements and criteria each has.
    List {
        #[command(flatten)]
        opts: CommonOpts,
    },
    /// Show every field of one criterion (e.g. 4-1-3-2) or requirement (e.g. 4-1-3).
    Show {
        /// A criterion or requirement id.
        id: String,
        #[command(flatten)]
        opts: CommonOpts,
    },
    /// Export an edition as OSCAL catalog JSON, Hoshi's JSON, or CSV.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// CSV only: start with a UTF-8 byte-order mark so Excel opens it correctly.
        #[arg(long)]
        excel: bool,
        #[command(flatten)]
        opts: CommonOpts,
    },
    /// Check an edition folder (or a file in one) and report every problem with file and line.
    Check {
        /// An edition folder such as catalog/2026.03, or a file inside one.
        path: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct CommonOpts {
    /// Language of the text: ja or en (default: from LANG, Japanese when it starts with "ja").
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Edition id, e.g. 2026.03 (default: the newest embedded edition).
    #[arg(long)]
    edition: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Oscal,
    Json,
    Csv,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?}: use ja or en"))
}

fn default_lang() -> Lang {
    let env = std::env::var("HOSHI_LANG").or_else(|_| std::env::var("LC_ALL")).or_else(|_| std::env::var("LANG")).unwrap_or_default();
    if env.to_ascii_lowercase().starts_with("ja") {
        Lang::Ja
    } else {
        Lang::En
    }
}

impl CommonOpts {
    fn resolve(&self) -> Result<(Edition, Lang)> {
        let edition = embedded_edition(self.edition.as_deref())?;
        Ok((edition, self.lang.unwrap_or_else(default_lang)))
    }
}

pub fn run(cmd: CatalogCommand) -> Result<ExitCode> {
    match cmd {
        CatalogCommand::List { opts } => {
            let (e, lang) = opts.resolve()?;
            print!("{}", list(&e, lang));
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Show { id, opts } => {
            let (e, lang) = opts.resolve()?;
            print!("{}", show(&e, &id, lang)?);
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Export { format, out, excel, opts } => {
            let (e, lang) = opts.resolve()?;
            let bytes = match format {
                ExportFormat::Oscal => {
                    let mut s = serde_json::to_string_pretty(&oscal::catalog(&e, lang))?;
                    s.push('\n');
                    s.into_bytes()
                }
                ExportFormat::Json => {
                    let mut s = export::json(&e);
                    s.push('\n');
                    s.into_bytes()
                }
                ExportFormat::Csv => export::csv(&e, lang, excel)?,
            };
            match out {
                Some(path) => std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::stdout().write_all(&bytes)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Check { path } => check(&path),
    }
}

fn list(e: &Edition, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut s = String::new();
    s += &format!("{} — {} {}\n\n", e.title.get(lang), if ja { "版" } else { "edition" }, e.id);
    s += if ja {
        "レベル | 名称 | 評価の方法 | 有効期間 | 要求事項（新規） | 評価基準（新規） | 評価基準（累計）\n"
    } else {
        "level | name | assessed by | valid for | requirements (new) | criteria (new) | criteria in all\n"
    };
    for l in &e.levels {
        let c = e.counts(l.level);
        let validity = match (l.validity_months, ja) {
            (Some(m), true) => format!("{m}か月"),
            (Some(m), false) => format!("{m} months"),
            (None, true) => "—".into(),
            (None, false) => "—".into(),
        };
        s += &format!(
            "{} | {} | {} | {} | {} | {} | {}\n",
            l.level,
            l.name.get(lang),
            l.assessment_text.get(lang),
            validity,
            c.requirements,
            c.total_criteria(),
            e.published_total(l.level),
        );
    }
    s += if ja {
        "\n（★3・★4の累計は公表されている数え方です: ★4の累計は★3の評価基準と★4で加わる評価基準の合計。★1・★2は各自の項目数、★5は★3〜★5の合計）\n"
    } else {
        "\n(\"in all\" counts as the scheme publishes it: ★4 = ★3's criteria plus those ★4 adds; ★1 and ★2 their own items; ★5 = ★3 to ★5)\n"
    };
    s += &format!("\n{}\n", if ja { "分類別の評価基準の数" } else { "criteria per category" });
    s += if ja { "分類" } else { "category" };
    for l in Level::ALL {
        s += &format!(" | {l}");
    }
    s += if ja { " | 計\n" } else { " | total\n" };
    for cat in &e.categories {
        s += &format!("{} {}", cat.number, cat.name.get(lang));
        let mut total = 0;
        for l in Level::ALL {
            let n = e.counts(l).criteria.get(&cat.key).copied().unwrap_or(0);
            total += n;
            s += &format!(" | {n}");
        }
        s += &format!(" | {total}\n");
    }
    s += &format!(
        "\n{}: {} · {}: {} · {}: {}\n",
        if ja { "分類" } else { "categories" },
        e.categories.len(),
        if ja { "要求事項" } else { "requirements" },
        e.requirements.len(),
        if ja { "評価基準" } else { "criteria" },
        e.criteria.len()
    );
    s
}

fn show(e: &Edition, id: &str, lang: Lang) -> Result<String> {
    let ja = lang == Lang::Ja;
    let id = id.trim();
    let mut s = String::new();
    if let Some(c) = e.criterion(id) {
        let req = e.requirement(&c.requirement);
        let cat = e.category(&c.category);
        let label = |j: &str, en: &str| if ja { j.to_owned() } else { en.to_owned() };
        s += &format!("{} {}\n", label("評価基準", "Criterion"), c.id);
        s += &format!("{}: {} ({})\n", label("レベル", "Level"), c.level, e.level(c.level).name.get(lang));
        s += &format!("{}: {} {}\n", label("分類", "Category"), cat.map_or(0, |x| x.number), cat.map_or("", |x| x.name.get(lang)));
        s += &format!("{}: {} {}\n", label("要求事項", "Requirement"), c.requirement, req.map_or("", |r| r.title.get(lang)));
        s += &format!("\n{}\n  {}\n", label("評価基準", "Text"), c.text.get(lang));
        s += &format!("  ({}: {})\n", lang.other().code(), c.text.get(lang.other()));
        s += &format!("\n{}\n  {}\n", label("ガイダンス", "Guidance"), c.guidance.get(lang));
        s += &format!("\n{}\n", label("証跡の例", "Evidence examples"));
        for ev in &c.evidence {
            s += &format!("  - {}\n", ev.get(lang));
        }
        s += &format!("\n{}\n", label("対応する他の基準", "Mappings"));
        s += &format!("  NIST CSF 2.0: {}\n", c.mappings.csf.join(", "));
        s += &format!("  ISO/IEC 27001:2022: {}\n", c.mappings.iso27001.join(", "));
        s += &format!("  NIST SP 800-171 Rev.3: {}\n", c.mappings.sp800_171.join(", "));
        s += &format!("\n{}\n", label("費用の要素", "Cost drivers"));
        for d in &c.cost {
            let line = match (d.kind, ja) {
                (hoshi_standard::CostKind::OneOff, true) => {
                    format!("初期費用 {}円 {}", d.amount, d.per.label(lang))
                }
                (hoshi_standard::CostKind::Annual, true) => {
                    format!("年間費用 {}円 {}", d.amount, d.per.label(lang))
                }
                (hoshi_standard::CostKind::Hours, true) => {
                    format!("工数 {}時間 {}", d.amount, d.per.label(lang))
                }
                _ => d.to_string(),
            };
            s += &format!("  - {line}\n");
        }
        return Ok(s);
    }
    if let Some(r) = e.requirement(id) {
        let cat = e.category(&r.category);
        s += &format!("{} {}: {}\n", if ja { "要求事項" } else { "Requirement" }, r.id, r.title.get(lang));
        s += &format!("  ({}: {})\n", lang.other().code(), r.title.get(lang.other()));
        s += &format!(
            "{}: {} {}\n{}: {}\n\n",
            if ja { "分類" } else { "Category" },
            cat.map_or(0, |x| x.number),
            cat.map_or("", |x| x.name.get(lang)),
            if ja { "適用開始レベル" } else { "Applies from" },
            r.level
        );
        for c in e.criteria_of(&r.id) {
            s += &format!("  {} [{}] {}\n", c.id, c.level, c.text.get(lang));
        }
        return Ok(s);
    }
    bail!(
        "no criterion or requirement {id:?} in edition {}: ids look like 4-1-3-2 (criterion) or 4-1-3 (requirement); `hoshi catalog export --format csv` lists them all",
        e.id
    )
}

fn check(path: &Path) -> Result<ExitCode> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else if path.is_file() {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        bail!("{} does not exist: give an edition folder such as catalog/2026.03", path.display());
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let p = entry?.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            files.push((name, text));
        }
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    match load_edition(&refs) {
        Ok(e) => {
            println!(
                "{}: edition {} is valid — {} requirements, {} criteria (★3: {}, ★4 in all: {})",
                dir.display(),
                e.id,
                e.requirements.len(),
                e.criteria.len(),
                e.published_total(Level::THREE),
                e.published_total(Level::FOUR)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems.0 {
                eprintln!("{}", dir.join(&p.file).display().to_string() + &p.to_string()[p.file.len()..]);
            }
            eprintln!("{} problem(s) in {}", problems.0.len(), dir.display());
            Ok(ExitCode::from(1))
        }
    }
}
