//! The report screen (`g`): the outcomes report for the school year so far, drawn as charts
//! (bars by the stage reached and by category, escalations opened a month, the share of clocks
//! met on time by stage), with the headline figures above. It names no child. The same figures,
//! for any period and in any format, come from `escalate report`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline, Widget, Wrap,
};

use super::theme::{Role, Theme};
use crate::app::State;
use crate::core::report::{Report, Tally};

pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(" Outcomes report ", theme.style(Role::Text)));
    let inner = block.inner(area);
    block.render(area, buf);
    let report = match &state.report {
        None => {
            Paragraph::new("Counting the report from the whole record…")
                .style(theme.style(Role::Muted))
                .render(inner, buf);
            return;
        }
        Some(Err(why)) => {
            Paragraph::new(format!("The report could not be counted: {why}"))
                .style(theme.style(Role::Overdue))
                .wrap(Wrap { trim: false })
                .render(inner, buf);
            return;
        }
        Some(Ok(report)) => report,
    };
    let [headline, top, bottom] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    render_headline(report, theme, headline, buf);
    let [stages, categories] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(top);
    let [months, on_time] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let stage_bars: Vec<Tally> = report
        .highest_stage
        .iter()
        .map(|t| Tally {
            label: t.label.replace("Stage ", "S"),
            count: t.count,
        })
        .collect();
    vertical_bars("Highest stage reached", &stage_bars, theme, stages, buf);
    horizontal_bars(
        "By category",
        &report.by_category,
        None,
        theme,
        categories,
        buf,
    );
    render_months(report, theme, months, buf);
    let shares: Vec<Tally> = report
        .clocks_by_stage
        .iter()
        .map(|t| Tally {
            label: t
                .stage
                .map_or_else(|| "all".to_owned(), |s| format!("S{s}")),
            count: t.percent().unwrap_or(0) as usize,
        })
        .collect();
    horizontal_bars(
        "Clocks met on time, %",
        &shares,
        Some(100),
        theme,
        on_time,
        buf,
    );
}

fn render_headline(report: &Report, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let figure = |label: &str, value: String| {
        vec![
            Span::styled(format!("{label} "), theme.style(Role::Muted)),
            Span::styled(value, theme.style(Role::Text)),
            Span::raw("   "),
        ]
    };
    let period = format!(
        "School year so far: {} to {} · escalate report for other periods",
        report.period.from.format("%-d %b %Y"),
        report.period.to.format("%-d %b %Y")
    );
    let mut first = Vec::new();
    first.extend(figure("opened", report.opened.to_string()));
    first.extend(figure("resolved", report.resolved.to_string()));
    first.extend(figure("withdrawn", report.withdrawn.to_string()));
    first.extend(figure("open at end", report.open_at_end.to_string()));
    let mut second = Vec::new();
    second.extend(figure(
        "median to resolve",
        report
            .median_days_to_resolve
            .map_or_else(|| "n/a".to_owned(), |d| format!("{d:.1}d")),
    ));
    second.extend(figure(
        "notifications on time",
        format!(
            "{}/{}",
            report.notifications_on_time, report.notifications_due
        ),
    ));
    second.extend(figure("learning", report.learning.len().to_string()));
    Paragraph::new(vec![
        Line::styled(period, theme.style(Role::Muted)),
        Line::from(first),
        Line::from(second),
    ])
    .render(area, buf);
}

fn titled<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Text)))
}

fn vertical_bars(title: &str, tallies: &[Tally], theme: &Theme, area: Rect, buf: &mut Buffer) {
    let bars: Vec<Bar> = tallies
        .iter()
        .map(|t| {
            Bar::default()
                .value(t.count as u64)
                .label(Line::from(t.label.clone()))
        })
        .collect();
    let width = if tallies.is_empty() {
        1
    } else {
        let room = area.width.saturating_sub(2) / tallies.len() as u16;
        room.saturating_sub(1).clamp(1, 9)
    };
    BarChart::default()
        .block(titled(title, theme))
        .data(BarGroup::default().bars(&bars))
        .bar_width(width)
        .bar_gap(1)
        .bar_style(theme.style(Role::Stage1))
        .value_style(theme.style(Role::Text))
        .label_style(theme.style(Role::Muted))
        .render(area, buf);
}

fn horizontal_bars(
    title: &str,
    tallies: &[Tally],
    max: Option<u64>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    // As many as fit, one line each; the rest are in `escalate report`.
    let room = usize::from(area.height.saturating_sub(1));
    let bars: Vec<Bar> = tallies
        .iter()
        .take(room)
        .map(|t| {
            Bar::default()
                .value(t.count as u64)
                .label(Line::from(t.label.clone()))
                .text_value(t.count.to_string())
        })
        .collect();
    let mut chart = BarChart::default()
        .block(titled(title, theme))
        .direction(Direction::Horizontal)
        .data(BarGroup::default().bars(&bars))
        .bar_width(1)
        .bar_gap(0)
        .bar_style(theme.style(Role::Stage1))
        .value_style(theme.style(Role::Text))
        .label_style(theme.style(Role::Muted));
    if let Some(max) = max {
        chart = chart.max(max);
    }
    chart.render(area, buf);
}

fn render_months(report: &Report, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let counts: Vec<u64> = report
        .opened_by_month
        .iter()
        .map(|t| t.count as u64)
        .collect();
    let first = report
        .opened_by_month
        .first()
        .map_or("", |t| t.label.as_str());
    let last = report
        .opened_by_month
        .last()
        .map_or("", |t| t.label.as_str());
    let block = titled("Opened a month", theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let [spark, labels] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    // One column a month, as wide as fits, so a short year is not a sliver.
    let step = if counts.is_empty() {
        1
    } else {
        (usize::from(spark.width) / counts.len()).clamp(1, 6)
    };
    let widened: Vec<u64> = counts
        .iter()
        .flat_map(|&c| std::iter::repeat_n(c, step))
        .collect();
    Sparkline::default()
        .data(&widened)
        .style(theme.style(Role::Stage1))
        .render(spark, buf);
    let peak = counts.iter().max().copied().unwrap_or(0);
    Paragraph::new(Line::styled(
        format!("{first} … {last}, most in a month: {peak}"),
        theme.style(Role::Muted),
    ))
    .render(labels, buf);
}
