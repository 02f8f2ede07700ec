//! Colour themes: semantic roles mapped to styles. Widgets ask for a [`Role`], never a colour.
//!
//! A theme is a TOML file naming a style for each role (see `themes/default.toml` for the format).
//! The built-in themes in `themes/` are embedded at build time ([`BUILTIN`]); a user's theme
//! overlays the default, so any role it leaves out falls back to the default's style. A broken
//! theme is refused whole with a one-line [`ThemeError`] naming the file, the line and the key,
//! and the caller keeps the default.
//!
//! This module only parses text and hands out styles. It must not read files or the environment
//! (the caller reads `$XDG_CONFIG_HOME/escalate/themes/*.toml` and `NO_COLOR` and passes them in),
//! and it must not be the only way anything is said: colour adds to words and symbols, never
//! replaces them. [`Theme::no_color`] keeps focus and urgency visible with modifiers alone.
//!
//! ```toml
//! name = "mine"
//! [roles]
//! overdue = { fg = "#d55e00", modifiers = ["bold", "underlined"] }
//! focus = { fg = "black", bg = "light-cyan" }
//! ```

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// What a piece of the screen means. A theme gives each role a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Background,
    Text,
    Muted,
    Border,
    /// The selected card, tab or row.
    Focus,
    /// The accent of stage 1..=4 (later stages reuse stage 4's).
    Stage1,
    Stage2,
    Stage3,
    Stage4,
    Overdue,
    DueToday,
    DueSoon,
    OnTrack,
    ImmediateRisk,
}

const ROLE_COUNT: usize = Role::ALL.len();

impl Role {
    /// Every role, in the order of a theme file.
    pub const ALL: [Role; 14] = [
        Role::Background,
        Role::Text,
        Role::Muted,
        Role::Border,
        Role::Focus,
        Role::Stage1,
        Role::Stage2,
        Role::Stage3,
        Role::Stage4,
        Role::Overdue,
        Role::DueToday,
        Role::DueSoon,
        Role::OnTrack,
        Role::ImmediateRisk,
    ];

    /// The role's key under `[roles]` in a theme file, e.g. `due_today`.
    pub const fn key(self) -> &'static str {
        match self {
            Role::Background => "background",
            Role::Text => "text",
            Role::Muted => "muted",
            Role::Border => "border",
            Role::Focus => "focus",
            Role::Stage1 => "stage_1",
            Role::Stage2 => "stage_2",
            Role::Stage3 => "stage_3",
            Role::Stage4 => "stage_4",
            Role::Overdue => "overdue",
            Role::DueToday => "due_today",
            Role::DueSoon => "due_soon",
            Role::OnTrack => "on_track",
            Role::ImmediateRisk => "immediate_risk",
        }
    }

    /// The role a theme file's key names, if any.
    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.key() == key)
    }

    /// The accent role of a procedure's stage, counted from 1; stages after the fourth share
    /// stage 4's accent (and 0 is treated as 1).
    pub const fn stage(number: usize) -> Role {
        match number {
            0 | 1 => Role::Stage1,
            2 => Role::Stage2,
            3 => Role::Stage3,
            _ => Role::Stage4,
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The built-in themes as (file name, TOML text), embedded at build time. The default is first.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default.toml", include_str!("../../themes/default.toml")),
    ("light.toml", include_str!("../../themes/light.toml")),
    (
        "high-contrast.toml",
        include_str!("../../themes/high-contrast.toml"),
    ),
    (
        "colour-blind.toml",
        include_str!("../../themes/colour-blind.toml"),
    ),
];

/// A loaded theme: a name and a style for every role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    /// One line saying what the theme is for; may be empty.
    pub description: String,
    styles: [Style; ROLE_COUNT],
}

/// The embedded default, parsed once. Every role is present (checked by the tests).
static DEFAULT: LazyLock<Theme> = LazyLock::new(|| {
    let (origin, text) = BUILTIN[0];
    let layer = parse_layer(origin, text).unwrap_or_else(|e| panic!("built-in theme: {e}"));
    let mut styles = [Style::new(); ROLE_COUNT];
    for role in Role::ALL {
        styles[role.index()] = layer.styles[role.index()]
            .unwrap_or_else(|| panic!("built-in theme {origin} lacks roles.{}", role.key()));
    }
    Theme {
        name: layer.name,
        description: layer.description.unwrap_or_default(),
        styles,
    }
});

impl Default for Theme {
    /// The embedded `themes/default.toml`.
    fn default() -> Self {
        DEFAULT.clone()
    }
}

impl Theme {
    /// The style for a role. Every role has one.
    pub fn style(&self, role: Role) -> Style {
        self.styles[role.index()]
    }

    /// This theme without colour, for `NO_COLOR`: every foreground and background becomes
    /// [`Color::Reset`] (the terminal's own colours) and modifiers carry the meaning instead.
    ///
    /// The theme's own modifiers are kept. On top of them: focus is always reversed; immediate
    /// risk is reversed, bold and underlined (so it differs from focus); any other role that had
    /// a background of its own is reversed; overdue and due today are bold; muted text is dim.
    /// Focus and urgency so stay visible; words and symbols still say which state is which.
    pub fn no_color(&self) -> Theme {
        let mut styles = self.styles;
        for role in Role::ALL {
            let style = &mut styles[role.index()];
            let had_background = style.bg.is_some_and(|c| c != Color::Reset);
            let mut modifiers = style.add_modifier;
            modifiers |= match role {
                Role::Focus => Modifier::REVERSED,
                Role::ImmediateRisk => Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED,
                Role::Overdue | Role::DueToday => Modifier::BOLD,
                Role::Muted => Modifier::DIM,
                _ => Modifier::empty(),
            };
            if had_background && role != Role::Background {
                modifiers |= Modifier::REVERSED;
            }
            *style = Style::new()
                .fg(Color::Reset)
                .bg(Color::Reset)
                .add_modifier(modifiers);
        }
        Theme {
            name: self.name.clone(),
            description: self.description.clone(),
            styles,
        }
    }
}

/// Whether the `NO_COLOR` convention (<https://no-color.org>) asks for no colour: the variable
/// is set and not empty. Pass `std::env::var("NO_COLOR").ok().as_deref()`.
pub fn is_no_color(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// The built-in themes, the default first.
pub fn builtin_themes() -> Vec<Theme> {
    BUILTIN
        .iter()
        .map(|(origin, text)| {
            parse_theme(origin, text).unwrap_or_else(|e| panic!("built-in theme: {e}"))
        })
        .collect()
}

/// The built-in themes followed by the user's, each given as (origin, TOML text); `origin`
/// names the file in errors. A theme with the same name as an earlier one (compared without
/// regard to ASCII case) replaces it in place, so a user theme named `default` replaces the
/// built-in default. A broken file is left out and its error returned; the rest still load.
pub fn load_themes(user_files: &[(String, String)]) -> (Vec<Theme>, Vec<ThemeError>) {
    let mut themes = builtin_themes();
    let mut errors = Vec::new();
    for (origin, text) in user_files {
        match parse_theme(origin, text) {
            Ok(theme) => {
                match themes
                    .iter_mut()
                    .find(|t| t.name.eq_ignore_ascii_case(&theme.name))
                {
                    Some(slot) => *slot = theme,
                    None => themes.push(theme),
                }
            }
            Err(error) => errors.push(error),
        }
    }
    (themes, errors)
}

/// A theme file that cannot be used. Displays as one line: `{origin}:{line}: {key}: {message}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {key}: {message}")]
pub struct ThemeError {
    /// The file, as the caller named it (control characters escaped).
    pub origin: String,
    /// 1-based.
    pub line: usize,
    /// The dotted key, e.g. `roles.overdue.fg`.
    pub key: String,
    pub message: String,
}

/// Reads a theme file's text; `origin` names the file in errors. The theme overlays the
/// default: a role it does not name keeps the default's style, and a role it names is replaced
/// whole (so `overdue = { fg = "red" }` is red and not bold). `name` defaults to the file's
/// stem.
pub fn parse_theme(origin: &str, text: &str) -> Result<Theme, ThemeError> {
    let layer = parse_layer(origin, text)?;
    let base = Theme::default();
    let mut styles = base.styles;
    for role in Role::ALL {
        if let Some(style) = layer.styles[role.index()] {
            styles[role.index()] = style;
        }
    }
    Ok(Theme {
        name: layer.name,
        description: layer.description.unwrap_or_default(),
        styles,
    })
}

/// What one file says, before it is laid over the default.
struct Layer {
    name: String,
    description: Option<String>,
    styles: [Option<Style>; ROLE_COUNT],
}

type Entry<'t, 'i> = (&'t Spanned<Cow<'i, str>>, &'t Spanned<DeValue<'i>>);

/// A table's entries in the order they appear in the file, so the first problem is reported.
fn entries<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

struct Source<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ThemeError {
        ThemeError {
            origin: printable(self.origin),
            line: line_of(self.text, span.start),
            key: key.to_owned(),
            message: one_line(&message.into()),
        }
    }
}

fn parse_layer(origin: &str, text: &str) -> Result<Layer, ThemeError> {
    let source = Source { origin, text };
    let document = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        match unquoted_colour(text, offset) {
            Some(at) => source.error(
                at..at,
                &key_near(text, at),
                "a #rrggbb colour must be in quotes, e.g. fg = \"#f38ba8\"; unquoted, # starts a comment",
            ),
            None => source.error(offset..offset, &key_near(text, offset), e.message()),
        }
    })?;

    let mut name = None;
    let mut description = None;
    let mut styles = [None; ROLE_COUNT];
    for (key, value) in entries(document.get_ref()) {
        match key.get_ref().as_ref() {
            "name" => {
                let text = string(&source, "name", value)?;
                if text.trim().is_empty() {
                    return Err(source.error(value.span(), "name", "a theme's name is empty"));
                }
                name = Some(text.trim().to_owned());
            }
            "description" => description = Some(string(&source, "description", value)?),
            "roles" => {
                let Some(roles) = value.get_ref().as_table() else {
                    return Err(source.error(
                        value.span(),
                        "roles",
                        format!(
                            "expected a table of roles under [roles], found {}",
                            value.get_ref().type_str()
                        ),
                    ));
                };
                for (role_key, style) in entries(roles) {
                    let path = format!("roles.{}", quoted_key(role_key.get_ref()));
                    let Some(role) = Role::from_key(role_key.get_ref()) else {
                        return Err(source.error(
                            role_key.span(),
                            &path,
                            format!("unknown role; expected one of {}", role_list()),
                        ));
                    };
                    styles[role.index()] = Some(parse_style(&source, &path, style)?);
                }
            }
            other => {
                return Err(source.error(
                    key.span(),
                    &quoted_key(other),
                    "unknown key; expected name, description or [roles]",
                ));
            }
        }
    }
    let name = match name {
        Some(name) => name,
        None => file_stem(origin)
            .filter(|stem| !stem.trim().is_empty())
            .map(|stem| stem.trim().to_owned())
            .ok_or_else(|| {
                source.error(0..0, "name", "a theme needs a name, e.g. name = \"mine\"")
            })?,
    };
    Ok(Layer {
        name,
        description,
        styles,
    })
}

/// A string without control characters (it will be shown on the terminal).
fn string(source: &Source, key: &str, value: &Spanned<DeValue>) -> Result<String, ThemeError> {
    match value.get_ref().as_str() {
        Some(text) if !text.chars().any(char::is_control) => Ok(text.to_owned()),
        Some(_) => Err(source.error(
            value.span(),
            key,
            "contains a control character; use plain text on one line",
        )),
        None => Err(source.error(
            value.span(),
            key,
            format!("expected a string, found {}", value.get_ref().type_str()),
        )),
    }
}

fn parse_style(source: &Source, path: &str, value: &Spanned<DeValue>) -> Result<Style, ThemeError> {
    let Some(table) = value.get_ref().as_table() else {
        return Err(source.error(
            value.span(),
            path,
            format!(
                "expected a table like {{ fg = \"#cdd6f4\", modifiers = [\"bold\"] }}, found {}",
                value.get_ref().type_str()
            ),
        ));
    };
    let mut style = Style::new();
    for (key, value) in entries(table) {
        let key_path = format!("{path}.{}", quoted_key(key.get_ref()));
        match key.get_ref().as_ref() {
            "fg" => style = style.fg(colour(source, &key_path, value)?),
            "bg" => style = style.bg(colour(source, &key_path, value)?),
            "modifiers" => style = style.add_modifier(modifiers(source, &key_path, value)?),
            _ => {
                return Err(source.error(
                    key.span(),
                    &key_path,
                    "unknown key; expected fg, bg or modifiers",
                ));
            }
        }
    }
    Ok(style)
}

const COLOUR_HINT: &str = "use #rrggbb, a colour name or 0-255";

fn colour(source: &Source, key: &str, value: &Spanned<DeValue>) -> Result<Color, ThemeError> {
    let refuse = |shown: String| {
        source.error(
            value.span(),
            key,
            format!("{shown} is not a colour; {COLOUR_HINT}"),
        )
    };
    match value.get_ref() {
        DeValue::String(text) => parse_colour(text).ok_or_else(|| refuse(quoted(text))),
        DeValue::Integer(number) => u8::from_str_radix(number.as_str(), number.radix())
            .map(Color::Indexed)
            .map_err(|_| refuse(number.to_string())),
        other => Err(source.error(
            value.span(),
            key,
            format!(
                "expected a colour, found {}; {COLOUR_HINT}",
                other.type_str()
            ),
        )),
    }
}

/// `#rrggbb`, a ratatui colour name (any case, `-`, `_` or nothing between words, `grey` for
/// `gray`), `reset`, or a palette index 0-255.
fn parse_colour(text: &str) -> Option<Color> {
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some(Color::Rgb(channel(0)?, channel(2)?, channel(4)?));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Color::Indexed);
    }
    let name = text
        .to_ascii_lowercase()
        .replace(['-', '_'], "")
        .replace("grey", "gray");
    Some(match name.as_str() {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "darkgray" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

const MODIFIERS: [(&str, Modifier); 5] = [
    ("bold", Modifier::BOLD),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("dim", Modifier::DIM),
];

fn modifiers(source: &Source, key: &str, value: &Spanned<DeValue>) -> Result<Modifier, ThemeError> {
    let expected = "expected a list such as [\"bold\", \"underlined\"]";
    let Some(items) = value.get_ref().as_array() else {
        return Err(source.error(
            value.span(),
            key,
            format!("{expected}, found {}", value.get_ref().type_str()),
        ));
    };
    let mut all = Modifier::empty();
    for item in items.iter() {
        let Some(word) = item.get_ref().as_str() else {
            return Err(source.error(
                item.span(),
                key,
                format!(
                    "{expected}, found {} in the list",
                    item.get_ref().type_str()
                ),
            ));
        };
        let Some((_, modifier)) = MODIFIERS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
        else {
            let names: Vec<_> = MODIFIERS.iter().map(|(name, _)| *name).collect();
            return Err(source.error(
                item.span(),
                key,
                format!(
                    "{} is not a modifier; use {}",
                    quoted(word),
                    names.join(", ")
                ),
            ));
        };
        all |= *modifier;
    }
    Ok(all)
}

fn role_list() -> String {
    Role::ALL.map(Role::key).join(", ")
}

/// A value from the file as it may be shown: in quotes, control characters escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.escape_debug())
}

/// A key from the file as it may be shown: bare if it is a plain TOML key, else quoted.
fn quoted_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { key.to_owned() } else { quoted(key) }
}

/// Guarantees one line: line breaks become "; " and other control characters are escaped.
fn one_line(message: &str) -> String {
    let joined = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    printable(&joined)
}

/// Text as it may be shown on a terminal: control characters escaped (`\n`, `\u{1b}`).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// For a syntax error, where the parser gives only a position: the key being written on that
/// line, under the last `[table]` header before it, else the header, else `file`.
fn key_near(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_start = text.as_bytes()[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let this_line = text[line_start..].lines().next().unwrap_or("").trim();
    let header_of = |line: &str| {
        let inner = line.strip_prefix('[')?.trim_start_matches('[');
        let end = inner.find(']').unwrap_or(inner.len());
        Some(inner[..end].trim().to_owned())
    };
    if let Some(header) = header_of(this_line) {
        return one_line(&header);
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .find_map(|line| header_of(line.trim()));
    let key = this_line
        .split_once('=')
        .map(|(key, _)| key.trim())
        .filter(|key| !key.is_empty() && !key.starts_with('#'));
    let found = match (table, key) {
        (Some(table), Some(key)) => format!("{table}.{key}"),
        (None, Some(key)) => key.to_owned(),
        (Some(table), None) => table,
        (None, None) => "file".to_owned(),
    };
    one_line(&found)
}

/// The likeliest syntax error in a theme: `fg = #f38ba8`, which TOML reads as `fg =` and a
/// comment, so the parser complains somewhere later. The offset of the last such `#` on or before
/// the line of the error at `offset`, if there is one.
fn unquoted_colour(text: &str, offset: usize) -> Option<usize> {
    let end = text[offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    text[..end].match_indices('#').map(|(i, _)| i).rfind(|&i| {
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = &text[line_start..i];
        let after = &text.as_bytes()[i + 1..];
        before.trim_end().ends_with('=')
            && !before.contains('#')
            && before.matches(['"', '\'']).count().is_multiple_of(2)
            && after.len() >= 6
            && after[..6].iter().all(u8::is_ascii_hexdigit)
    })
}

/// `mine` for `/home/x/.config/escalate/themes/mine.toml`, without touching the file system.
fn file_stem(origin: &str) -> Option<&str> {
    let file = origin.rsplit(['/', '\\']).next()?;
    Some(file.strip_suffix(".toml").unwrap_or(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(color: Option<Color>) -> Option<(u8, u8, u8)> {
        match color? {
            Color::Rgb(r, g, b) => Some((r, g, b)),
            _ => None,
        }
    }

    /// WCAG 2 contrast ratio of two sRGB colours.
    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
            let linear = |c: u8| {
                let c = f64::from(c) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
        }
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    const URGENCY: [Role; 4] = [Role::Overdue, Role::DueToday, Role::DueSoon, Role::OnTrack];

    #[test]
    fn every_builtin_parses_and_names_every_role() {
        assert_eq!(BUILTIN.len(), 4);
        for (origin, text) in BUILTIN {
            let layer = parse_layer(origin, text).unwrap_or_else(|e| panic!("{e}"));
            for role in Role::ALL {
                assert!(
                    layer.styles[role.index()].is_some(),
                    "{origin} does not name roles.{}",
                    role.key()
                );
            }
            assert_eq!(format!("{}.toml", layer.name), *origin);
            assert!(layer.description.is_some_and(|d| !d.is_empty()));
        }
        let names: Vec<_> = builtin_themes().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["default", "light", "high-contrast", "colour-blind"]);
        assert_eq!(Theme::default(), builtin_themes()[0]);
    }

    #[test]
    fn every_role_has_a_style_in_every_builtin() {
        for theme in builtin_themes() {
            for role in Role::ALL {
                let style = theme.style(role);
                assert!(
                    style.fg.is_some() || style.bg.is_some(),
                    "{}: {} has no colour",
                    theme.name,
                    role.key()
                );
            }
        }
    }

    #[test]
    fn urgency_colours_are_distinct_from_each_other_and_from_text() {
        for theme in builtin_themes() {
            let text = theme.style(Role::Text).fg;
            for (i, a) in URGENCY.iter().enumerate() {
                let fg = theme.style(*a).fg;
                assert!(fg.is_some(), "{}: {a:?} has no foreground", theme.name);
                assert_ne!(fg, text, "{}: {a:?} looks like text", theme.name);
                for b in &URGENCY[i + 1..] {
                    assert_ne!(fg, theme.style(*b).fg, "{}: {a:?} = {b:?}", theme.name);
                }
            }
        }
    }

    #[test]
    fn immediate_risk_is_the_loudest_and_focus_stands_out() {
        for theme in builtin_themes() {
            let risk = theme.style(Role::ImmediateRisk);
            assert!(
                risk.bg.is_some(),
                "{}: immediate risk has no background",
                theme.name
            );
            assert_ne!(risk.bg, theme.style(Role::Background).bg);
            assert!(risk.add_modifier.contains(Modifier::BOLD), "{}", theme.name);
            let focus = theme.style(Role::Focus);
            assert!(focus.bg.is_some() && focus.fg.is_some(), "{}", theme.name);
            assert_ne!(focus.bg, theme.style(Role::Background).bg);
            assert_ne!(focus.bg, risk.bg, "{}: focus looks like risk", theme.name);
        }
    }

    #[test]
    fn builtin_colours_are_readable() {
        for theme in builtin_themes() {
            let name = &theme.name;
            let background = rgb(theme.style(Role::Background).bg).expect("an RGB background");
            for role in Role::ALL {
                let style = theme.style(role);
                let minimum = if role == Role::Border { 3.0 } else { 4.5 };
                if let Some(bg) = rgb(style.bg).filter(|_| role != Role::Background) {
                    let fg = rgb(style.fg).expect("a foreground with its background");
                    let ratio = contrast(fg, bg);
                    assert!(ratio >= 4.5, "{name}: {} is {ratio:.1}:1", role.key());
                } else if let Some(fg) = rgb(style.fg) {
                    let ratio = contrast(fg, background);
                    assert!(ratio >= minimum, "{name}: {} is {ratio:.1}:1", role.key());
                }
            }
            let text = rgb(theme.style(Role::Text).fg).unwrap();
            let muted = rgb(theme.style(Role::Muted).fg).unwrap();
            assert!(
                contrast(text, muted) >= 1.5,
                "{name}: muted looks like text"
            );
        }
    }

    #[test]
    fn colour_blind_theme_uses_okabe_ito_for_urgency() {
        let theme = parse_theme(BUILTIN[3].0, BUILTIN[3].1).unwrap();
        let fg = |role| theme.style(role).fg;
        assert_eq!(fg(Role::Overdue), Some(Color::Rgb(0xd5, 0x5e, 0x00)));
        assert_eq!(fg(Role::DueToday), Some(Color::Rgb(0xe6, 0x9f, 0x00)));
        assert_eq!(fg(Role::DueSoon), Some(Color::Rgb(0xf0, 0xe4, 0x42)));
        assert_eq!(fg(Role::OnTrack), Some(Color::Rgb(0x56, 0xb4, 0xe9)));
    }

    #[test]
    fn a_user_theme_overlays_the_default() {
        let text = "name = \"mine\"\n[roles]\noverdue = { fg = \"red\", bg = 238, modifiers = [\"Underlined\"] }\nfocus = { fg = \"Light_Cyan\", bg = \"dark-grey\" }\n";
        let theme = parse_theme("mine.toml", text).unwrap();
        let default = Theme::default();
        assert_eq!(theme.name, "mine");
        assert_eq!(
            theme.style(Role::Overdue),
            Style::new()
                .fg(Color::Red)
                .bg(Color::Indexed(238))
                .add_modifier(Modifier::UNDERLINED)
        );
        assert_eq!(
            theme.style(Role::Focus),
            Style::new().fg(Color::LightCyan).bg(Color::DarkGray)
        );
        for role in Role::ALL {
            if role != Role::Overdue && role != Role::Focus {
                assert_eq!(theme.style(role), default.style(role), "{role:?}");
            }
        }
    }

    #[test]
    fn colours_in_every_form() {
        let cases = [
            ("#0A0b0C", Color::Rgb(10, 11, 12)),
            ("reset", Color::Reset),
            ("RED", Color::Red),
            ("light-red", Color::LightRed),
            ("light_magenta", Color::LightMagenta),
            ("dark-gray", Color::DarkGray),
            ("grey", Color::Gray),
            ("238", Color::Indexed(238)),
            ("0", Color::Indexed(0)),
        ];
        for (text, colour) in cases {
            assert_eq!(parse_colour(text), Some(colour), "{text}");
        }
        for text in [
            "#12", "#1234567", "#gggggg", "256", "", "purple", "-1", "+3",
        ] {
            assert_eq!(parse_colour(text), None, "{text}");
        }
        let theme = parse_theme("n.toml", "[roles]\ntext = { fg = 0x10 }\n").unwrap();
        assert_eq!(theme.style(Role::Text).fg, Some(Color::Indexed(16)));
    }

    #[test]
    fn the_name_defaults_to_the_file_stem() {
        let theme = parse_theme("/home/dsl/.config/escalate/themes/calm.toml", "").unwrap();
        assert_eq!(theme.name, "calm");
        assert_eq!(
            theme.styles,
            Theme::default().styles,
            "an empty theme is the default"
        );
    }

    fn error(text: &str) -> ThemeError {
        parse_theme("mine.toml", text).unwrap_err()
    }

    fn assert_one_line(err: &ThemeError, starts: &str) {
        let shown = err.to_string();
        assert!(!shown.contains('\n'), "{shown:?}");
        assert!(
            shown.starts_with(starts),
            "{shown:?} should start {starts:?}"
        );
    }

    #[test]
    fn a_bad_colour_names_the_file_line_and_key() {
        let err = error(
            "name = \"mine\"\n\n[roles]\ntext = { fg = \"#cdd6f4\" }\n\n\noverdue = { fg = \"#12\" }\n",
        );
        assert_eq!(
            err.to_string(),
            "mine.toml:7: roles.overdue.fg: \"#12\" is not a colour; use #rrggbb, a colour name or 0-255"
        );
        assert_one_line(
            &error("[roles]\nfocus = { bg = 300 }\n"),
            "mine.toml:2: roles.focus.bg: 300 is not a colour",
        );
        assert_one_line(
            &error("[roles]\nfocus = { bg = true }\n"),
            "mine.toml:2: roles.focus.bg: expected a colour, found boolean",
        );
        assert_one_line(
            &error("[roles.muted]\nfg = \"pink\"\n"),
            "mine.toml:2: roles.muted.fg: \"pink\" is not a colour",
        );
    }

    #[test]
    fn an_unknown_role_or_key_is_named() {
        let err = error("name = \"mine\"\n[roles]\noverdew = { fg = \"red\" }\n");
        assert_one_line(
            &err,
            "mine.toml:3: roles.overdew: unknown role; expected one of background, text,",
        );
        assert_eq!((err.line, err.key.as_str()), (3, "roles.overdew"));
        assert_one_line(
            &error("[roles]\ntext = { fg = \"red\", colour = \"blue\" }\n"),
            "mine.toml:2: roles.text.colour: unknown key; expected fg, bg or modifiers",
        );
        assert_one_line(
            &error("name = \"x\"\ncolours = 1\n"),
            "mine.toml:2: colours: unknown key",
        );
        assert_one_line(
            &error("[roles]\ntext = \"red\"\n"),
            "mine.toml:2: roles.text: expected a table like",
        );
        assert_one_line(
            &error("roles = [1]\n"),
            "mine.toml:1: roles: expected a table of roles",
        );
        assert_one_line(
            &error("[roles]\n\"bad\\u001b[31m\" = {}\n"),
            "mine.toml:2: roles.\"bad\\u{1b}[31m\": unknown role",
        );
    }

    #[test]
    fn an_unknown_modifier_is_named() {
        let err =
            error("[roles]\n\noverdue = { fg = \"red\", modifiers = [\"bold\", \"blink\"] }\n");
        assert_eq!(
            err.to_string(),
            "mine.toml:3: roles.overdue.modifiers: \"blink\" is not a modifier; use bold, italic, underlined, reversed, dim"
        );
        assert_one_line(
            &error("[roles]\ntext = { modifiers = \"bold\" }\n"),
            "mine.toml:2: roles.text.modifiers: expected a list",
        );
    }

    #[test]
    fn bad_toml_syntax_names_the_line_and_key() {
        let err = error(
            "name = \"mine\"\n[roles]\ntext = { fg = \"#cdd6f4\" }\noverdue = { fg = \"#f38ba8\", modifiers = [bold] }\n",
        );
        assert_one_line(&err, "mine.toml:4: roles.overdue: ");
        let err = error(
            "[roles]\ntext = { fg = \"#cdd6f4\" } # calm\noverdue = { fg = #f38ba8 }\nmuted = {}\n",
        );
        assert_one_line(
            &err,
            "mine.toml:3: roles.overdue: a #rrggbb colour must be in quotes",
        );
        let err = error("name = \"mine\"\nname = \"again\"\n");
        assert_one_line(&err, "mine.toml:2: name: ");
        let err = error("name = \"unclosed\n");
        assert_one_line(&err, "mine.toml:1: name: ");
        let err = error("[roles\ntext = {}\n");
        assert_one_line(&err, "mine.toml:1: roles: ");
    }

    #[test]
    fn names_and_descriptions_are_plain_text() {
        assert_one_line(
            &error("name = \"\"\n"),
            "mine.toml:1: name: a theme's name is empty",
        );
        assert_one_line(
            &error("name = 3\n"),
            "mine.toml:1: name: expected a string, found integer",
        );
        assert_one_line(
            &error("description = \"a\\u001b[2Jb\"\n"),
            "mine.toml:1: description: contains a control character",
        );
        assert_eq!(
            parse_theme("x.toml", "name = \"  Mine \"").unwrap().name,
            "Mine"
        );
        let err = parse_theme("a\nb.toml", "name = 1").unwrap_err();
        assert_eq!(err.origin, "a\\nb.toml");
    }

    #[test]
    fn no_color_keeps_modifiers_and_drops_colours() {
        for theme in builtin_themes() {
            let plain = theme.no_color();
            assert_eq!(plain.name, theme.name);
            for role in Role::ALL {
                let style = plain.style(role);
                assert_eq!(style.fg, Some(Color::Reset), "{role:?}");
                assert_eq!(style.bg, Some(Color::Reset), "{role:?}");
                assert!(
                    style.add_modifier.contains(theme.style(role).add_modifier),
                    "{}: {role:?} lost a modifier",
                    theme.name
                );
            }
            let focus = plain.style(Role::Focus);
            assert!(focus.add_modifier.contains(Modifier::REVERSED));
            assert_ne!(focus, plain.style(Role::Text));
            let risk = plain.style(Role::ImmediateRisk);
            assert!(
                risk.add_modifier
                    .contains(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED)
            );
            assert_ne!(risk, focus);
            assert!(
                plain
                    .style(Role::Overdue)
                    .add_modifier
                    .contains(Modifier::BOLD)
            );
            assert_ne!(plain.style(Role::Muted), plain.style(Role::Text));
            assert!(
                !plain
                    .style(Role::Background)
                    .add_modifier
                    .contains(Modifier::REVERSED)
            );
        }
    }

    #[test]
    fn no_color_follows_the_convention() {
        assert!(!is_no_color(None));
        assert!(!is_no_color(Some("")));
        assert!(is_no_color(Some("1")));
        assert!(is_no_color(Some("0")), "any non-empty value counts");
    }

    #[test]
    fn a_user_theme_named_default_replaces_the_builtin() {
        let files = [
            (
                "themes/default.toml".to_owned(),
                "name = \"default\"\n[roles]\ntext = { fg = \"white\" }\n".to_owned(),
            ),
            (
                "themes/broken.toml".to_owned(),
                "[roles]\ntext = { fg = \"#12\" }\n".to_owned(),
            ),
            (
                "themes/mine.toml".to_owned(),
                "description = \"Mine\"\n".to_owned(),
            ),
        ];
        let (themes, errors) = load_themes(&files);
        let names: Vec<_> = themes.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["default", "light", "high-contrast", "colour-blind", "mine"]
        );
        assert_eq!(themes[0].style(Role::Text).fg, Some(Color::White));
        assert_eq!(
            themes[0].style(Role::Overdue),
            Theme::default().style(Role::Overdue)
        );
        assert_eq!(errors.len(), 1);
        assert_one_line(&errors[0], "themes/broken.toml:2: roles.text.fg: ");
    }

    #[test]
    fn stage_accents_beyond_four_reuse_the_fourth() {
        assert_eq!(Role::stage(1), Role::Stage1);
        assert_eq!(Role::stage(3), Role::Stage3);
        assert_eq!(Role::stage(4), Role::Stage4);
        assert_eq!(Role::stage(7), Role::Stage4);
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
    }
}
