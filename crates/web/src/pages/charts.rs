//! Small inline SVG charts drawn on the server: bars, stacked shares, a risk matrix and the
//! supply network. No script, so they print and work with the page's strict CSP; every chart
//! has a title and a text alternative for screen readers.

use std::fmt::Write;

/// Escapes text for SVG/HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Horizontal bars: (label, value, css class).
pub fn bars(title: &str, items: &[(String, usize, &str)]) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let h = 26 * items.len() + 10;
    let mut s = format!(
        r#"<svg class="chart" role="img" viewBox="0 0 520 {h}" width="100%" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (k, (label, value, class)) in items.iter().enumerate() {
        let y = 5 + 26 * k;
        let w = 300 * value / max;
        let _ = write!(
            s,
            r#"<text class="label" x="0" y="{}">{}</text><rect class="track" x="150" y="{y}" width="300" height="18" rx="3"/><rect class="bar {class}" x="150" y="{y}" width="{w}" height="18" rx="3"/><text class="value" x="{}" y="{}">{value}</text>"#,
            y + 9,
            esc(label),
            160 + 300,
            y + 9
        );
    }
    s.push_str("</svg>");
    s
}

/// One part of a stacked bar: (name, value, css class).
pub type Part<'a> = (String, usize, &'a str);

/// Stacked 100% bars: (label, parts).
pub fn stacked(title: &str, rows: &[(String, Vec<Part<'_>>)]) -> String {
    let h = 30 * rows.len() + 10;
    let mut s = format!(
        r#"<svg class="chart" role="img" viewBox="0 0 520 {h}" width="100%" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (k, (label, parts)) in rows.iter().enumerate() {
        let y = 5 + 30 * k;
        let total: usize = parts.iter().map(|p| p.1).sum();
        let _ = write!(s, r#"<text class="label" x="0" y="{}">{}</text>"#, y + 10, esc(label));
        let mut x = 150.0;
        for (part, value, class) in parts {
            if total == 0 || *value == 0 {
                continue;
            }
            let w = 300.0 * *value as f64 / total as f64;
            let _ = write!(
                s,
                r#"<rect class="bar {class}" x="{x:.1}" y="{y}" width="{w:.1}" height="20"><title>{}: {value}</title></rect>"#,
                esc(part)
            );
            x += w;
        }
        if total == 0 {
            let _ = write!(s, r#"<rect class="track" x="150" y="{y}" width="300" height="20"/>"#);
        }
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars over time: (label, value).
pub fn columns(title: &str, items: &[(String, usize)]) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let w = 40 * items.len() + 20;
    let mut s = format!(
        r#"<svg class="chart" role="img" viewBox="0 0 {w} 170" width="100%" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (k, (label, value)) in items.iter().enumerate() {
        let x = 10 + 40 * k;
        let bh = 120 * value / max;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x}" y="{}" width="28" height="{bh}"><title>{}: {value}</title></rect><text class="value" x="{}" y="{}" text-anchor="middle">{value}</text><text class="label" x="{}" y="160" text-anchor="middle">{}</text>"#,
            135 - bh,
            esc(label),
            x + 14,
            128 - bh,
            x + 14,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A node of the network drawing.
pub struct DrawNode {
    pub label: String,
    pub tier: u32,
    /// `low`, `medium`, `high` (risk colour), or `hit` when affected by a what-if.
    pub class: String,
    pub title: String,
    pub href: Option<String>,
}

/// The supply network in columns by tier (the buyer on the left), links as lines.
pub fn network(title: &str, nodes: &[DrawNode], edges: &[(usize, usize, bool)]) -> String {
    let tiers = nodes.iter().map(|n| n.tier).max().unwrap_or(0) as usize + 1;
    let mut rows = vec![0usize; tiers];
    let mut pos = Vec::with_capacity(nodes.len());
    for n in nodes {
        let t = n.tier as usize;
        pos.push((20 + 230 * t, 20 + 34 * rows[t]));
        rows[t] += 1;
    }
    let height = 34 * rows.iter().copied().max().unwrap_or(1) + 30;
    let width = 230 * tiers + 40;
    let mut s = format!(
        r#"<svg class="chart network" role="img" viewBox="0 0 {width} {height}" width="{width}" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for &(a, b, hot) in edges {
        let ((x1, y1), (x2, y2)) = (pos[a], pos[b]);
        let _ = write!(
            s,
            r#"<line class="link{}" x1="{x1}" y1="{}" x2="{}" y2="{}"/>"#,
            if hot { " hot" } else { "" },
            y1 + 12,
            x2 + 190,
            y2 + 12
        );
    }
    for (n, &(x, y)) in nodes.iter().zip(&pos) {
        let label: String = n.label.chars().take(14).collect();
        let body = format!(
            r#"<g class="node {}" data-tier="{}"><title>{}</title><rect x="{x}" y="{y}" width="190" height="24" rx="5"/><text x="{}" y="{}">{}</text></g>"#,
            esc(&n.class),
            n.tier,
            esc(&n.title),
            x + 8,
            y + 16,
            esc(&label)
        );
        match &n.href {
            Some(h) => {
                let _ = write!(s, r#"<a href="{}">{body}</a>"#, esc(h));
            }
            None => s.push_str(&body),
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_drawn() {
        let svg = bars("t", &[("<b>".into(), 3, "x"), ("y".into(), 1, "z")]);
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains(r#"width="300" height="18" rx="3"/><text class="value" x="460" y="14">3</text>"#), "{svg}");
        let n = network(
            "net",
            &[
                DrawNode { label: "A".into(), tier: 0, class: "low".into(), title: "A".into(), href: None },
                DrawNode { label: "B\"".into(), tier: 1, class: "high".into(), title: "B".into(), href: Some("/x?a=1&b=2".into()) },
            ],
            &[(1, 0, true)],
        );
        assert!(n.contains(r#"class="link hot""#) && n.contains("&amp;b=2") && n.contains("B&quot;"));
    }
}
