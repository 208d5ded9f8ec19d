//! The ministry audit for people and spreadsheets, as `ocop audit` prints it: a table and
//! CSV (written by [`crate::export::csv_line`], as every CSV file of the server is).

use std::fmt;

use ocop_projections::audit::{AuditedDecision, Finding};

use crate::export::{BOM, Cell, csv_line};

fn opt<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(String::new, ToString::to_string)
}

/// The audit for people: one line per decision, then every finding with its detail.
pub fn render_table(decisions: &[AuditedDecision]) -> String {
    let header = [
        "POSITION", "PRODUCT", "KIND", "DECIDED", "DECISION", "STARS", "LEVEL", "RULES", "MEAN",
        "BAND", "FINDINGS",
    ];
    let rows: Vec<[String; 11]> = decisions
        .iter()
        .map(|d| {
            let mut codes: Vec<&str> = d.findings.iter().map(|f| f.code.as_str()).collect();
            codes.dedup();
            [
                d.global_position.to_string(),
                d.name.clone().unwrap_or_else(|| d.product_id.to_string()),
                d.kind.clone(),
                opt(&d.decided_on),
                opt(&d.decision_no),
                opt(&d.stars),
                opt(&d.level),
                opt(&d.rederived.rules_version),
                opt(&d.rederived.mean),
                opt(&d.rederived.band_stars),
                if codes.is_empty() {
                    "-".to_owned()
                } else {
                    codes.join(",")
                },
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header.map(str::to_owned));
    for r in &rows {
        out.push_str(&line(r));
    }
    let findings: Vec<&Finding> = decisions.iter().flat_map(|d| &d.findings).collect();
    let with = decisions.iter().filter(|d| !d.findings.is_empty()).count();
    out.push_str(&format!(
        "\n{} decision(s) checked, {with} with findings, {} finding(s)\n",
        decisions.len(),
        findings.len()
    ));
    for f in findings {
        out.push_str(&format!(
            "  @{} {} [{}]: {}\n",
            f.global_position, f.code, f.severity, f.detail
        ));
    }
    for d in decisions {
        for c in &d.rederived.reopened_conclusions {
            out.push_str(&format!(
                "  @{} earlier conclusion of {} (mean {}) re-opened on {}: {}\n",
                d.global_position, c.concluded_on, c.mean, c.reopened_on, c.reason
            ));
        }
    }
    out
}

/// The audit as CSV (RFC 4180, CRLF line ends, UTF-8 behind a byte-order mark so that a
/// spreadsheet reads `QĐ-UBND` as written): one row per finding, and one row with empty
/// finding columns for a decision without findings.
pub fn render_csv(decisions: &[AuditedDecision]) -> String {
    const HEADER: [&str; 17] = [
        "global_position",
        "product_id",
        "product_name",
        "kind",
        "province",
        "decided_on",
        "decision_no",
        "authority",
        "stars",
        "level",
        "rules_version",
        "mean",
        "band_stars",
        "allowed",
        "code",
        "severity",
        "detail",
    ];
    let mut out = String::from(BOM);
    csv_line(&HEADER.map(|h| Cell::Text(h.to_owned())), &mut out);
    for d in decisions {
        let base = [
            d.global_position.to_string(),
            d.product_id.to_string(),
            opt(&d.name),
            d.kind.clone(),
            d.province.clone(),
            opt(&d.decided_on),
            opt(&d.decision_no),
            opt(&d.authority),
            opt(&d.stars),
            opt(&d.level),
            opt(&d.rederived.rules_version),
            opt(&d.rederived.mean),
            opt(&d.rederived.band_stars),
            d.rederived.allowed.to_string(),
        ];
        let mut row = |code: &str, severity: &str, detail: &str| {
            let cells: Vec<Cell> = base
                .iter()
                .map(|c| c.as_str())
                .chain([code, severity, detail])
                .map(|c| Cell::Text(c.to_owned()))
                .collect();
            csv_line(&cells, &mut out);
        };
        if d.findings.is_empty() {
            row("", "", "");
        }
        for f in &d.findings {
            row(f.code.as_str(), f.severity.as_str(), &f.detail);
        }
    }
    out
}
