//! `escalate report`: the outcomes report for the partnership and governors
//! ([`crate::core::report`] counts; this module reads the record and lays the counts out as
//! text, Markdown, HTML with inline SVG charts, CSV or JSON).
//!
//! The report names no child: escalations are given by id, and learning recorded at a
//! resolution has every spelling of the child's name hidden. The HTML has no external
//! resources and prints cleanly.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::args::ReportArgs;
use super::{CliError, Context};
use crate::core::calendar::{format_local, local_date};
use crate::core::report::{Builder, OnTime, Period, Report, Tally};
use crate::core::time::parse_date;
use crate::storage::{Filter, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Html,
    Csv,
    Json,
}

/// How many closed escalations are read at a time.
const PAGE: usize = 500;

pub fn run(context: &mut Context, args: ReportArgs) -> Result<String, CliError> {
    let format = match args.format.trim() {
        "text" => Format::Text,
        "markdown" => Format::Markdown,
        "html" => Format::Html,
        "csv" => Format::Csv,
        "json" => Format::Json,
        other => {
            return Err(CliError(format!(
                "--format: \"{}\" is not a format; use text, markdown, html, csv or json",
                other.escape_debug()
            )));
        }
    };
    let format = if context.json { Format::Json } else { format };
    let today = local_date(context.now);
    let date =
        |option: &str, text: &str| parse_date(text).map_err(|e| CliError(format!("{option}: {e}")));
    let default = Period::school_year_to(today);
    let from = args
        .from
        .as_deref()
        .map(|t| date("--from", t))
        .transpose()?
        .unwrap_or(default.from);
    let to = args
        .to
        .as_deref()
        .map(|t| date("--to", t))
        .transpose()?
        .unwrap_or(today);
    if from > to {
        return Err(CliError(format!(
            "--from {from} is after --to {to}; give the start of the period first"
        )));
    }
    let procedures = context.procedures()?;
    if let Some(wanted) = args.procedure.as_deref()
        && procedures.get(wanted).is_none()
    {
        let known: Vec<&str> = procedures.iter().map(|p| p.id.as_str()).collect();
        return Err(CliError(format!(
            "--procedure: there is no procedure \"{}\"; choose from {}",
            wanted.escape_debug(),
            known.join(", ")
        )));
    }
    let period = Period { from, to };
    let mut builder = Builder::new(period, args.procedure.as_deref(), context.now);
    if context.database_exists()? {
        // The open caseload whole, then the history a page at a time.
        let open = context.store()?.escalations(Filter {
            include_closed: false,
            stage: None,
        })?;
        add_all(context, &procedures, &mut builder, open)?;
        let mut after = 0;
        loop {
            let page = context.store()?.closed_after(after, None, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            add_all(context, &procedures, &mut builder, page)?;
        }
    }
    let report = builder.finish();
    let text = match format {
        Format::Text => text(&report),
        Format::Markdown => markdown(&report),
        Format::Html => html(&report),
        Format::Csv => csv(&report)?,
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
    };
    match &args.out {
        None => Ok(text),
        Some(path) => {
            super::files::write_private(path, &text)?;
            Ok(format!(
                "Wrote the report for {} to {} to {}.\n",
                day(period.from),
                day(period.to),
                path.display()
            ))
        }
    }
}

fn add_all(
    context: &mut Context,
    procedures: &crate::core::procedure::ProcedureSet,
    builder: &mut Builder,
    escalations: Vec<crate::core::record::Escalation>,
) -> Result<(), CliError> {
    let config = context.config()?;
    for escalation in &escalations {
        builder.add_escalation(escalation, procedures, &config.calendar, &config.settings);
    }
    Ok(())
}

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

fn percent(value: Option<u32>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |p| format!("{p}%"))
}

fn days(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |d| format!("{d:.1} days"))
}

fn title(report: &Report) -> String {
    format!(
        "Escalations report, {} to {}{}",
        day(report.period.from),
        day(report.period.to),
        report
            .procedure
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default()
    )
}

/// The headline figures, as (label, value) pairs, in the order every format gives them.
fn headline(report: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("Opened in the period", report.opened.to_string()),
        ("Resolved in the period", report.resolved.to_string()),
        ("Withdrawn in the period", report.withdrawn.to_string()),
        ("Active in the period", report.active.to_string()),
        (
            "Open at the end of the period",
            report.open_at_end.to_string(),
        ),
        (
            "Median time to resolve",
            days(report.median_days_to_resolve),
        ),
        (
            "Longest time to resolve",
            match (report.longest_days_to_resolve, report.longest) {
                (Some(d), Some(id)) => format!("{d:.1} days (escalation {id})"),
                _ => "n/a".to_owned(),
            },
        ),
        (
            "Notifications on time",
            format!(
                "{} of {} ({})",
                report.notifications_on_time,
                report.notifications_due,
                percent(report.notifications_on_time_percent())
            ),
        ),
    ]
}

fn clock_row(t: &OnTime) -> [String; 5] {
    [
        clock_label(t),
        t.on_time.to_string(),
        t.late.to_string(),
        t.missed.to_string(),
        percent(t.percent()),
    ]
}

fn late_rows(report: &Report) -> Vec<[String; 4]> {
    report
        .notifications_late
        .iter()
        .map(|n| {
            [
                n.escalation.to_string(),
                n.notification.clone(),
                format_local(n.due_at),
                n.sent_at
                    .map_or_else(|| "not sent".to_owned(), format_local),
            ]
        })
        .collect()
}

/// A clock as the report names it: its stage and name (clocks of the same name at different
/// stages are different clocks); a stage's total is just the stage.
fn clock_label(t: &OnTime) -> String {
    match t.stage {
        Some(stage) if t.clock != format!("Stage {stage}") => format!("S{stage} {}", t.clock),
        None if t.clock != "escalation-wide" => format!("all {}", t.clock),
        _ => t.clock.clone(),
    }
}

/// At most `width` characters of `text`, the cut marked with an ellipsis.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// A bar of `count` against `max` in `width` cells, for the text report.
fn bar(count: usize, max: usize, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let cells = (count * width).div_ceil(max);
    "█".repeat(cells)
}

fn text_tallies(out: &mut String, heading: &str, tallies: &[Tally]) {
    let _ = writeln!(out, "\n{heading}");
    if tallies.is_empty() {
        let _ = writeln!(out, "  none");
        return;
    }
    let max = tallies.iter().map(|t| t.count).max().unwrap_or(0);
    let width = tallies
        .iter()
        .map(|t| t.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    for t in tallies {
        let label = cut(&t.label, 32);
        let _ = writeln!(
            out,
            "  {label:<width$}  {:>5}  {}",
            t.count,
            bar(t.count, max, 30)
        );
    }
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", title(report));
    let _ = writeln!(out, "As of {}\n", format_local(report.as_of));
    for (label, value) in headline(report) {
        let _ = writeln!(out, "  {label:<31} {value}");
    }
    text_tallies(
        &mut out,
        "Highest stage reached (active escalations)",
        &report.highest_stage,
    );
    let _ = writeln!(out, "\nOutcomes by the stage they closed at");
    if report.outcomes_by_stage.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for o in &report.outcomes_by_stage {
        let _ = writeln!(
            out,
            "  Stage {}  resolved {:>4}  withdrawn {:>4}",
            o.stage, o.resolved, o.withdrawn
        );
    }
    text_tallies(&mut out, "By category", &report.by_category);
    text_tallies(&mut out, "By agency raised with", &report.by_agency);
    text_tallies(&mut out, "Opened by month", &report.opened_by_month);
    for (heading, clocks) in [
        ("Clocks met on time, by stage", &report.clocks_by_stage),
        ("Clocks met on time, by clock", &report.clocks),
    ] {
        let _ = writeln!(out, "\n{heading}");
        let _ = writeln!(
            out,
            "  {:<46} {:>7} {:>5} {:>6} {:>6}",
            "", "on time", "late", "missed", "share"
        );
        if clocks.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for t in clocks {
            let [clock, on_time, late, missed, share] = clock_row(t);
            let clock = cut(&clock, 46);
            let _ = writeln!(
                out,
                "  {clock:<46} {on_time:>7} {late:>5} {missed:>6} {share:>6}"
            );
        }
    }
    let _ = writeln!(out, "\nNotifications sent late or not at all");
    let rows = late_rows(report);
    if rows.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for [id, notification, due, sent] in rows {
        let _ = writeln!(
            out,
            "  escalation {id:>5}  {notification:<24} due {due}  sent: {sent}"
        );
    }
    let _ = writeln!(out, "\nLearning recorded");
    if report.learning.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for l in &report.learning {
        let _ = writeln!(
            out,
            "  escalation {} ({}): {}",
            l.escalation,
            format_local(l.at),
            l.text.replace('\n', "\n    ")
        );
    }
    if !report.without_schedule.is_empty() {
        let _ = writeln!(
            out,
            "\nNote: escalation(s) {} follow a procedure no longer defined; they are counted, but their clocks are not.",
            ids(&report.without_schedule)
        );
    }
    out
}

fn ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn md(text: &str) -> String {
    super::review::markdown_escape(text).replace('\n', " ")
}

fn markdown_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header.iter().map(|_| "---|").collect::<String>()
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if rows.is_empty() {
        let _ = writeln!(out, "| none |{}", " |".repeat(header.len() - 1));
    }
}

fn tally_rows(tallies: &[Tally]) -> Vec<Vec<String>> {
    tallies
        .iter()
        .map(|t| vec![t.label.clone(), t.count.to_string()])
        .collect()
}

fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(&title(report)));
    let _ = writeln!(out, "As of {}.\n", format_local(report.as_of));
    let rows: Vec<Vec<String>> = headline(report)
        .into_iter()
        .map(|(l, v)| vec![l.to_owned(), v])
        .collect();
    markdown_table(&mut out, &["Figure", "Value"], &rows);
    for (heading, tallies) in [
        (
            "Highest stage reached (active escalations)",
            &report.highest_stage,
        ),
        ("By category", &report.by_category),
        ("By agency raised with", &report.by_agency),
        ("Opened by month", &report.opened_by_month),
    ] {
        let _ = writeln!(out, "\n## {heading}\n");
        markdown_table(&mut out, &["", "Escalations"], &tally_rows(tallies));
    }
    let _ = writeln!(out, "\n## Outcomes by the stage they closed at\n");
    let rows: Vec<Vec<String>> = report
        .outcomes_by_stage
        .iter()
        .map(|o| {
            vec![
                format!("Stage {}", o.stage),
                o.resolved.to_string(),
                o.withdrawn.to_string(),
            ]
        })
        .collect();
    markdown_table(&mut out, &["Stage", "Resolved", "Withdrawn"], &rows);
    let _ = writeln!(out, "\n## Clocks met on time\n");
    let rows: Vec<Vec<String>> = report
        .clocks_by_stage
        .iter()
        .chain(&report.clocks)
        .map(|t| clock_row(t).to_vec())
        .collect();
    markdown_table(
        &mut out,
        &["Clock", "On time", "Late", "Missed", "Share on time"],
        &rows,
    );
    let _ = writeln!(out, "\n## Notifications sent late or not at all\n");
    let rows: Vec<Vec<String>> = late_rows(report).into_iter().map(Vec::from).collect();
    markdown_table(
        &mut out,
        &["Escalation", "Notification", "Due", "Sent"],
        &rows,
    );
    let _ = writeln!(out, "\n## Learning recorded\n");
    if report.learning.is_empty() {
        let _ = writeln!(out, "None.");
    }
    for l in &report.learning {
        let _ = writeln!(
            out,
            "- Escalation {} ({}): {}",
            l.escalation,
            format_local(l.at),
            md(&l.text)
        );
    }
    if !report.without_schedule.is_empty() {
        let _ = writeln!(
            out,
            "\nEscalation(s) {} follow a procedure no longer defined: counted, but their clocks are not.",
            ids(&report.without_schedule)
        );
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart as inline SVG: one labelled bar a tally.
fn svg_bars(tallies: &[Tally], label: &str) -> String {
    let max = tallies.iter().map(|t| t.count).max().unwrap_or(0).max(1);
    let row = 22;
    let height = row * tallies.len().max(1) + 8;
    let mut svg = format!(
        r#"<svg role="img" aria-label="{}" width="640" height="{height}" viewBox="0 0 640 {height}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    );
    for (i, t) in tallies.iter().enumerate() {
        let y = 4 + i * row;
        let width = t.count * 380 / max;
        let _ = write!(
            svg,
            r##"<text x="0" y="{}" font-size="12">{}</text><rect x="200" y="{y}" width="{width}" height="16" fill="#2b6cb0"/><text x="{}" y="{}" font-size="12">{}</text>"##,
            y + 13,
            esc(&t.label.chars().take(30).collect::<String>()),
            206 + width,
            y + 13,
            t.count
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Escalations opened a month, as an inline SVG column chart.
fn svg_months(tallies: &[Tally]) -> String {
    let max = tallies.iter().map(|t| t.count).max().unwrap_or(0).max(1);
    let step = (600 / tallies.len().max(1)).clamp(8, 60);
    let width = step * tallies.len().max(1) + 40;
    let mut svg = format!(
        r#"<svg role="img" aria-label="Escalations opened a month" width="{width}" height="160" viewBox="0 0 {width} 160" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, t) in tallies.iter().enumerate() {
        let height = t.count * 110 / max;
        let x = 20 + i * step;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="{}" height="{height}" fill="#2b6cb0"/><text x="{x}" y="{}" font-size="10">{}</text><text x="{x}" y="150" font-size="9">{}</text>"##,
            125 - height,
            step.saturating_sub(4).max(2),
            (120 - height).max(10),
            t.count,
            esc(t.label.get(2..).unwrap_or(&t.label))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn html_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>");
    }
    if rows.is_empty() {
        let _ = write!(out, "<tr><td colspan=\"{}\">none</td></tr>", header.len());
    }
    out.push_str("</tbody></table>\n");
}

fn html(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\nbody{{font-family:sans-serif;max-width:48em;margin:2em auto;color:#111}}\ntable{{border-collapse:collapse;margin:.5em 0 1.5em}}\nth,td{{border:1px solid #999;padding:.2em .5em;text-align:left}}\nh2{{break-after:avoid;page-break-after:avoid}}\nsection{{break-inside:avoid;page-break-inside:avoid}}\n@page{{size:A4;margin:15mm}}\n@media print{{body{{margin:0}}}}\n</style></head><body>\n",
        esc(&title(report))
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title(report)));
    let _ = writeln!(out, "<p>As of {}.</p>", esc(&format_local(report.as_of)));
    let rows: Vec<Vec<String>> = headline(report)
        .into_iter()
        .map(|(l, v)| vec![l.to_owned(), v])
        .collect();
    html_table(&mut out, &["Figure", "Value"], &rows);
    for (heading, tallies) in [
        (
            "Highest stage reached (active escalations)",
            &report.highest_stage,
        ),
        ("By category", &report.by_category),
        ("By agency raised with", &report.by_agency),
    ] {
        let _ = writeln!(out, "<section><h2>{}</h2>", esc(heading));
        out.push_str(&svg_bars(tallies, heading));
        html_table(&mut out, &["", "Escalations"], &tally_rows(tallies));
        out.push_str("</section>\n");
    }
    out.push_str("<section><h2>Opened by month</h2>");
    out.push_str(&svg_months(&report.opened_by_month));
    html_table(
        &mut out,
        &["Month", "Escalations"],
        &tally_rows(&report.opened_by_month),
    );
    out.push_str("</section>\n<section><h2>Outcomes by the stage they closed at</h2>");
    let rows: Vec<Vec<String>> = report
        .outcomes_by_stage
        .iter()
        .map(|o| {
            vec![
                format!("Stage {}", o.stage),
                o.resolved.to_string(),
                o.withdrawn.to_string(),
            ]
        })
        .collect();
    html_table(&mut out, &["Stage", "Resolved", "Withdrawn"], &rows);
    out.push_str("</section>\n<section><h2>Clocks met on time</h2>");
    let shares: Vec<Tally> = report
        .clocks_by_stage
        .iter()
        .map(|t| Tally {
            label: format!("{} ({}% on time)", t.clock, t.percent().unwrap_or(0)),
            count: t.percent().unwrap_or(0) as usize,
        })
        .collect();
    out.push_str(&svg_bars(&shares, "Share of clocks met on time, by stage"));
    let rows: Vec<Vec<String>> = report
        .clocks_by_stage
        .iter()
        .chain(&report.clocks)
        .map(|t| clock_row(t).to_vec())
        .collect();
    html_table(
        &mut out,
        &["Clock", "On time", "Late", "Missed", "Share on time"],
        &rows,
    );
    out.push_str("</section>\n<section><h2>Notifications sent late or not at all</h2>");
    let rows: Vec<Vec<String>> = late_rows(report).into_iter().map(Vec::from).collect();
    html_table(
        &mut out,
        &["Escalation", "Notification", "Due", "Sent"],
        &rows,
    );
    out.push_str("</section>\n<section><h2>Learning recorded</h2>");
    let rows: Vec<Vec<String>> = report
        .learning
        .iter()
        .map(|l| vec![l.escalation.to_string(), format_local(l.at), l.text.clone()])
        .collect();
    html_table(&mut out, &["Escalation", "Resolved", "Learning"], &rows);
    out.push_str("</section>\n");
    if !report.without_schedule.is_empty() {
        let _ = writeln!(
            out,
            "<p>Escalation(s) {} follow a procedure no longer defined: counted, but their clocks are not.</p>",
            ids(&report.without_schedule)
        );
    }
    out.push_str("</body></html>\n");
    out
}

/// The report as CSV, one figure a row: `section,label,value`, so a spreadsheet can chart it.
fn csv(report: &Report) -> Result<String, CliError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, label: &str, value: String| {
        writer
            .write_record([section, label, value.as_str()])
            .map_err(|e| CliError(format!("could not write the report as CSV: {e}")))
    };
    row("section", "label", "value".to_owned())?;
    row("period", "from", report.period.from.to_string())?;
    row("period", "to", report.period.to.to_string())?;
    for (label, value) in [
        ("opened", report.opened),
        ("resolved", report.resolved),
        ("withdrawn", report.withdrawn),
        ("active", report.active),
        ("open at end", report.open_at_end),
        ("notifications due", report.notifications_due),
        ("notifications on time", report.notifications_on_time),
    ] {
        row("totals", label, value.to_string())?;
    }
    row(
        "totals",
        "median days to resolve",
        report
            .median_days_to_resolve
            .map(|d| format!("{d:.1}"))
            .unwrap_or_default(),
    )?;
    row(
        "totals",
        "longest days to resolve",
        report
            .longest_days_to_resolve
            .map(|d| format!("{d:.1}"))
            .unwrap_or_default(),
    )?;
    for (section, tallies) in [
        ("highest stage", &report.highest_stage),
        ("category", &report.by_category),
        ("agency", &report.by_agency),
        ("opened by month", &report.opened_by_month),
    ] {
        for t in tallies {
            row(section, &t.label, t.count.to_string())?;
        }
    }
    for o in &report.outcomes_by_stage {
        row(
            "resolved at stage",
            &o.stage.to_string(),
            o.resolved.to_string(),
        )?;
        row(
            "withdrawn at stage",
            &o.stage.to_string(),
            o.withdrawn.to_string(),
        )?;
    }
    for t in report.clocks_by_stage.iter().chain(&report.clocks) {
        row("clock on time", &t.clock, t.on_time.to_string())?;
        row("clock late", &t.clock, t.late.to_string())?;
        row("clock missed", &t.clock, t.missed.to_string())?;
    }
    for n in &report.notifications_late {
        row(
            "notification late",
            &format!("{} {}", n.escalation, n.notification),
            n.sent_at
                .map_or_else(|| "not sent".to_owned(), format_local),
        )?;
    }
    for l in &report.learning {
        row("learning", &l.escalation.to_string(), l.text.clone())?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError(format!("could not write the report as CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| CliError(e.to_string()))
}
