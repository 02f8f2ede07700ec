//! `escalate export --format json|csv`: everything in the database, written out for a subject
//! access request, a school transfer or a copy the DSL can read; and the restore of the JSON
//! (`escalate import FILE.json`) into an empty database.
//!
//! Both are built on the table-by-table copy `migrate` and `backup` use
//! ([`crate::storage::copy`]): every row by column name, as the canonical values the audit
//! trail's fingerprints hash. The JSON is that copy, self-describing and streamed (a table at a
//! time, a row at a time: never the whole database in memory); restored, it gives the same ids,
//! rows and audit trail, and the restore is refused, with nothing written, unless the trail it
//! wrote verifies and ends at the head the file names. The CSV is for reading: a file a
//! record kind, with readable headers, for a spreadsheet; it is not read back.
//!
//! The export is not recorded in the audit trail: every audit entry is bound to a record row by
//! that row's fingerprint, and an export changes no row. Recording one would need a record
//! table of exports (as `reviews` is for the morning review) on both backends; see the README.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;

use super::args::ExportArgs;
use super::{CliError, Context};
use crate::core::audit::Head;
use crate::core::record::{Redactor, initials};
use crate::files::{PrivateFile, Replace};
use crate::storage::copy::{COPIED_TABLES, RowSink, RowWriter, Rows, Snapshot};
use crate::storage::{Store, StoreError};

/// The JSON's format name, the first thing a reader checks.
pub const FORMAT: &str = "escalate-export";
/// The JSON's format version: raised when a restore of the old one would be wrong.
pub const FORMAT_VERSION: u64 = 1;

pub fn run(context: &mut Context, args: ExportArgs) -> Result<String, CliError> {
    match args.format.as_str() {
        "json" => json(context, &args),
        "csv" => csv(context, &args),
        other => Err(CliError(format!(
            "--format: \"{}\" is not a format escalate exports; use json (the whole record, to restore with escalate import) or csv (files to read in a spreadsheet)",
            other.escape_debug()
        ))),
    }
}

/// Refuses to export a database whose audit trail does not verify: its JSON would not restore.
fn verified(context: &mut Context) -> Result<&mut crate::storage::any::AnyStore, CliError> {
    let store = context.existing_store()?;
    if let Some(problem) = store.verify()?.problem {
        return Err(CliError(format!(
            "the database does not verify, so it is not exported (escalate verify says more): {problem}"
        )));
    }
    Ok(store)
}

fn write_failed(what: &str) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("cannot write {what}: {e}"))
}

fn already_there(path: &Path) -> CliError {
    CliError(format!(
        "--out: {} already exists; choose another name, or add --force to replace it",
        path.display()
    ))
}

fn json(context: &mut Context, args: &ExportArgs) -> Result<String, CliError> {
    use std::io::IsTerminal as _;
    if args.privacy {
        return Err(CliError(
            "--privacy: the JSON is the record exactly as kept, to restore (its audit trail would not verify with the names hidden); for a copy with names hidden, use --format csv --privacy".to_owned(),
        ));
    }
    let written_at = context
        .wall_clock
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    match &args.out {
        Some(path) if !args.force && std::fs::symlink_metadata(path).is_ok() => {
            return Err(already_there(path));
        }
        Some(_) => {}
        None if std::io::stdout().is_terminal() => {
            return Err(CliError(
                "the export holds every record, children's names included, and is not shown on a terminal; give --out FILE, or send standard output to a file (> export.json)".to_owned(),
            ));
        }
        None => {}
    }
    let store = verified(context)?;
    let Some(path) = &args.out else {
        let stdout = std::io::stdout().lock();
        let mut sink = JsonSink::new(std::io::BufWriter::new(stdout), written_at);
        store.stream_rows(COPIED_TABLES, &mut sink)?;
        let mut out = sink.close()?;
        out.flush().map_err(write_failed("standard output"))?;
        return Ok(String::new());
    };
    let file = PrivateFile::create(path)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    let mut sink = JsonSink::new(file, written_at);
    store.stream_rows(COPIED_TABLES, &mut sink)?;
    let summary = sink.summary();
    let replace = if args.force {
        Replace::Yes
    } else {
        Replace::No
    };
    sink.close()?.finish(replace).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            already_there(path)
        } else {
            CliError(format!("cannot write {}: {e}", path.display()))
        }
    })?;
    Ok(format!(
        "Exported {summary} to {} (readable only by you). It holds every record, children's names included: keep it as safely as the database. Restore it into an empty database with escalate import {}.\n",
        path.display(),
        path.display()
    ))
}

/// Writes the JSON as the rows come: the header, then each table's columns and rows, one row a
/// line.
struct JsonSink<W: std::io::Write> {
    out: W,
    written_at: String,
    tables: usize,
    rows_in_table: u64,
    escalations: u64,
    head: Option<Head>,
}

impl<W: std::io::Write> JsonSink<W> {
    fn new(out: W, written_at: String) -> Self {
        Self {
            out,
            written_at,
            tables: 0,
            rows_in_table: 0,
            escalations: 0,
            head: None,
        }
    }

    fn put(&mut self, text: &str) -> crate::storage::Result<()> {
        self.out
            .write_all(text.as_bytes())
            .map_err(write_failed("the export"))
    }

    fn value(&mut self, value: &impl serde::Serialize) -> crate::storage::Result<()> {
        serde_json::to_writer(&mut self.out, value)
            .map_err(|e| StoreError::Backend(format!("cannot write the export: {e}")))
    }

    fn summary(&self) -> String {
        let entries = self.head.as_ref().map_or(0, |h| h.entries);
        format!(
            "{} escalation{} and {entries} audit entr{}",
            self.escalations,
            if self.escalations == 1 { "" } else { "s" },
            if entries == 1 { "y" } else { "ies" }
        )
    }

    /// Ends the document; the writer, to finish.
    fn close(mut self) -> crate::storage::Result<W> {
        self.put("\n]}\n")?;
        Ok(self.out)
    }
}

impl<W: std::io::Write> RowSink for JsonSink<W> {
    fn begin(&mut self, snapshot: &Snapshot) -> crate::storage::Result<()> {
        self.head = Some(snapshot.head.clone());
        // The header's fields in this order (a reader sees what the file is first), then the
        // tables, in one object.
        let header: [(&str, serde_json::Value); 7] = [
            ("format", FORMAT.into()),
            ("format_version", FORMAT_VERSION.into()),
            ("app_version", env!("CARGO_PKG_VERSION").into()),
            ("database", snapshot.database.into()),
            ("schema_version", snapshot.schema_version.into()),
            ("head", snapshot.head.to_string().into()),
            ("written_at", self.written_at.clone().into()),
        ];
        self.put("{")?;
        for (key, value) in header {
            self.value(&key)?;
            self.put(":")?;
            self.value(&value)?;
            self.put(",")?;
        }
        self.put("\"tables\":[")
    }

    fn table(&mut self, table: &str, columns: &[String]) -> crate::storage::Result<()> {
        if self.tables > 0 {
            self.put(",")?;
        }
        self.tables += 1;
        self.rows_in_table = 0;
        self.put("\n{\"table\":")?;
        self.value(&table)?;
        self.put(",\"columns\":")?;
        self.value(&columns)?;
        self.put(",\"rows\":[")
    }

    fn row(&mut self, values: &[serde_json::Value]) -> crate::storage::Result<()> {
        self.put(if self.rows_in_table == 0 { "\n" } else { ",\n" })?;
        self.rows_in_table += 1;
        self.value(&values)
    }

    fn end_table(&mut self) -> crate::storage::Result<()> {
        if self.tables == 1 {
            self.escalations = self.rows_in_table;
        }
        self.put("]}")
    }
}

/// Whether `bytes` (a file's start) looks like JSON rather than CSV: its first character,
/// after a byte-order mark and white space, opens an object.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Why a restore stopped part-way through reading the file: said in its own words, or an
/// error from the database the rows were going into.
enum Stopped {
    Refused(String),
    Store(StoreError),
}

/// Reads an export as it is written: the header's fields, checked before any row is written,
/// then each table's columns and its rows, handed to the restore a row at a time. What it
/// found wrong is kept in `stopped` (a serde error carries only text).
struct Export<'w, 's> {
    writer: &'w mut dyn RowWriter,
    stopped: &'s mut Option<Stopped>,
}

impl Export<'_, '_> {
    fn stop<E: serde::de::Error>(&mut self, why: Stopped) -> E {
        *self.stopped = Some(why);
        E::custom("stopped")
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Export<'_, '_> {
    type Value = Option<Head>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Export<'_, '_> {
    type Value = Option<Head>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an escalate export")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> Result<Self::Value, A::Error> {
        let mut format: Option<serde_json::Value> = None;
        let mut version: Option<serde_json::Value> = None;
        let mut head: Option<String> = None;
        let mut tables = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => format = Some(map.next_value()?),
                "format_version" => version = Some(map.next_value()?),
                "head" => head = Some(map.next_value()?),
                "tables" => {
                    // What the file is, checked before a row of it is written.
                    if let Err(why) = check_format(format.as_ref(), version.as_ref()) {
                        return Err(self.stop(Stopped::Refused(why)));
                    }
                    map.next_value_seed(Tables {
                        writer: &mut *self.writer,
                        stopped: &mut *self.stopped,
                    })?;
                    tables = true;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !tables {
            let why = check_format(format.as_ref(), version.as_ref())
                .err()
                .unwrap_or_else(|| "it holds no \"tables\"".to_owned());
            return Err(self.stop(Stopped::Refused(why)));
        }
        Ok(head.as_deref().and_then(parse_head))
    }
}

/// The file's format and version, as this escalate restores them; the refusal otherwise.
fn check_format(
    format: Option<&serde_json::Value>,
    version: Option<&serde_json::Value>,
) -> Result<(), String> {
    if format.and_then(serde_json::Value::as_str) != Some(FORMAT) {
        return Err(format!(
            "it is not an escalate export (its \"format\", first, is not \"{FORMAT}\"); escalate import restores the JSON escalate export writes, or imports a spreadsheet saved as CSV"
        ));
    }
    let version = version.and_then(serde_json::Value::as_u64);
    if version != Some(FORMAT_VERSION) {
        return Err(format!(
            "it is an export of format version {}, and this escalate restores version {FORMAT_VERSION}; restore it with the escalate that wrote it{}",
            version.map_or_else(|| "unknown".to_owned(), |v| v.to_string()),
            if version.is_some_and(|v| v > FORMAT_VERSION) {
                ", or update escalate"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

/// The `tables` array: each table handed on as it is read.
struct Tables<'w, 's> {
    writer: &'w mut dyn RowWriter,
    stopped: &'s mut Option<Stopped>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Tables<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Tables<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of tables")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Table {
                writer: &mut *self.writer,
                stopped: &mut *self.stopped,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One table: its name and columns (which must come first), then its rows.
struct Table<'w, 's> {
    writer: &'w mut dyn RowWriter,
    stopped: &'s mut Option<Stopped>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Table<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Table<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut name: Option<String> = None;
        let mut columns: Option<Vec<String>> = None;
        let mut rows = false;
        let mut held: Option<Vec<Vec<serde_json::Value>>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "table" => name = Some(map.next_value()?),
                "columns" => columns = Some(map.next_value()?),
                "rows" => {
                    let (Some(name), Some(columns)) = (&name, &columns) else {
                        // Rows before the table's name (a file whose keys a tool sorted): held
                        // until the name and columns come, as this table's rows alone.
                        held = Some(map.next_value::<Vec<Vec<serde_json::Value>>>()?);
                        continue;
                    };
                    if let Err(e) = self.writer.table(name, columns) {
                        *self.stopped = Some(Stopped::Store(e));
                        return Err(serde::de::Error::custom("stopped"));
                    }
                    map.next_value_seed(RowsOf {
                        writer: &mut *self.writer,
                        stopped: &mut *self.stopped,
                    })?;
                    rows = true;
                }
                _ => {
                    *self.stopped = Some(Stopped::Refused(format!(
                        "a table holds a field \"{}\" an export does not have",
                        key.escape_debug()
                    )));
                    return Err(serde::de::Error::custom("stopped"));
                }
            }
        }
        if let (Some(held), Some(name), Some(columns)) = (held, &name, &columns) {
            let written = self
                .writer
                .table(name, columns)
                .and_then(|()| held.iter().try_for_each(|row| self.writer.row(row)));
            if let Err(e) = written {
                *self.stopped = Some(Stopped::Store(e));
                return Err(serde::de::Error::custom("stopped"));
            }
            rows = true;
        }
        if !rows {
            *self.stopped = Some(Stopped::Refused(
                "a table has no \"table\", \"columns\" or \"rows\"; it is incomplete or was edited"
                    .to_owned(),
            ));
            return Err(serde::de::Error::custom("stopped"));
        }
        Ok(())
    }
}

/// A table's rows, each written as soon as it is read.
struct RowsOf<'w, 's> {
    writer: &'w mut dyn RowWriter,
    stopped: &'s mut Option<Stopped>,
}

impl<'de> serde::de::DeserializeSeed<'de> for RowsOf<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowsOf<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<Vec<serde_json::Value>>()? {
            if let Err(e) = self.writer.row(&row) {
                *self.stopped = Some(Stopped::Store(e));
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Hands rows on, counting the escalations.
struct Counting<'a, 'c> {
    inner: &'a mut dyn RowWriter,
    in_escalations: bool,
    escalations: &'c mut u64,
}

impl RowWriter for Counting<'_, '_> {
    fn table(&mut self, table: &str, columns: &[String]) -> crate::storage::Result<()> {
        self.in_escalations = table == "escalations";
        self.inner.table(table, columns)
    }

    fn row(&mut self, values: &[serde_json::Value]) -> crate::storage::Result<()> {
        if self.in_escalations {
            *self.escalations += 1;
        }
        self.inner.row(values)
    }
}

/// `escalate import FILE.json`: restores an export into an empty database, or refuses with
/// nothing written. The file is read as it is restored, a row at a time, inside the restore's
/// one transaction, which commits only once the whole file has been read and the trail it
/// wrote verifies and ends at the head the file names.
pub fn restore(context: &mut Context, path: &Path, dry_run: bool) -> Result<String, CliError> {
    use serde::de::DeserializeSeed as _;
    let shown = path.display();
    let refuse = |why: String| {
        CliError(format!(
            "{shown} is not restored, and nothing was written: {why}"
        ))
    };
    // Opened first, so that a file that cannot be read leaves no database behind.
    let file =
        std::fs::File::open(path).map_err(|e| CliError(format!("could not read {shown}: {e}")))?;
    let mut file = Some(file);
    let mut stopped: Option<Stopped> = None;
    let mut parse_error: Option<serde_json::Error> = None;
    let mut counted: Option<Head> = None;
    let mut escalations = 0_u64;
    let mut feed = |writer: &mut dyn RowWriter| -> crate::storage::Result<Head> {
        let mut writer = Counting {
            inner: writer,
            in_escalations: false,
            escalations: &mut escalations,
        };
        let Some(file) = file.take() else {
            return Err(StoreError::Backend("the file was already read".to_owned()));
        };
        let mut reader = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
        let read = Export {
            writer: &mut writer,
            stopped: &mut stopped,
        }
        .deserialize(&mut reader)
        .and_then(|head| reader.end().map(|()| head));
        match read {
            Ok(Some(head)) => {
                counted = Some(head.clone());
                Ok(head)
            }
            Ok(None) => {
                stopped = Some(Stopped::Refused(
                    "its \"head\" is missing or is not COUNT:HASH, so the trail it holds cannot be checked".to_owned(),
                ));
                Err(StoreError::Backend("stopped".to_owned()))
            }
            Err(e) => {
                parse_error = Some(e);
                Err(StoreError::Backend("stopped".to_owned()))
            }
        }
    };
    let wrapped = |e: StoreError| match e {
        StoreError::Corrupt(why) | StoreError::Backend(why) => refuse(why),
        StoreError::Conflict(why) => CliError(format!("{why}; nothing was written")),
        other => CliError::from(other),
    };
    let restored = if dry_run {
        // The whole restore, into a database in memory: refused exactly as the real one would be.
        crate::storage::sqlite::SqliteStore::open_in_memory()?.restore(&mut feed)
    } else {
        // A database file the restore makes is taken away again if the restore is refused.
        let db = context.db_path()?;
        let made = !context.database_exists()?;
        let restored = context.store()?.restore(&mut feed);
        if restored.is_err() && made {
            context.store = None;
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = db.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
        restored
    };
    if let Err(error) = restored {
        return Err(match (stopped, parse_error) {
            (Some(Stopped::Refused(why)), _) => refuse(why),
            (Some(Stopped::Store(error)), _) => wrapped(error),
            (None, Some(e)) => {
                // The error's category and place, never its text: that may quote a value.
                let what = match e.classify() {
                    serde_json::error::Category::Eof => {
                        "it ends part-way through (was it cut short?)"
                    }
                    serde_json::error::Category::Io => "it could not be read",
                    _ => "it is not well-formed JSON, or not laid out as an escalate export",
                };
                refuse(format!(
                    "{what} (line {}, column {}); export the database again with escalate export --format json",
                    e.line(),
                    e.column()
                ))
            }
            (None, None) => wrapped(error),
        });
    }
    let head = counted.unwrap_or_else(|| Head::of(&[]));
    if dry_run {
        return Ok(format!(
            "Dry run: nothing was written. {shown} holds {escalations} escalations and an audit trail of {} entries that verifies (head {head}); it would restore into an empty database.\n",
            head.entries
        ));
    }
    let store = context.store()?;
    Ok(format!(
        "Restored {escalations} escalations and {} audit entries from {shown} into {}; the audit trail verifies, with the head the export names: {head}\n",
        head.entries,
        store.location()
    ))
}

/// `COUNT:HASH`, where an empty trail's head is `0:`.
fn parse_head(text: &str) -> Option<Head> {
    let (entries, hash) = text.split_once(':')?;
    let entries: usize = entries.parse().ok()?;
    let hash_ok = if entries == 0 {
        hash.is_empty()
    } else {
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    };
    hash_ok.then(|| Head {
        entries,
        hash: hash.to_owned(),
    })
}

/// The CSV files, a record kind each: (table, file name).
const CSV_FILES: &[(&str, &str)] = &[
    ("escalations", "escalations.csv"),
    ("stage_changes", "stage-changes.csv"),
    ("discussions", "discussions.csv"),
    ("actions", "actions.csv"),
    ("action_completions", "actions-done.csv"),
    ("notifications_sent", "notifications.csv"),
    ("notes", "clock-notes.csv"),
    ("outcomes", "outcomes.csv"),
    ("amendments", "amendments.csv"),
    ("corrections", "corrections.csv"),
    ("escalation_details", "details.csv"),
    ("attachments", "kept-forms.csv"),
    ("reviews", "reviews.csv"),
    ("audit", "audit-trail.csv"),
];

/// Columns holding yes or no (stored as 1 or 0).
const YES_NO: &[&str] = &[
    "immediate_risk",
    "is_agreement",
    "parents_informed",
    "child_record_updated",
];

/// A column's header as a person reads it.
fn header(table: &str, column: &str) -> String {
    let known = match (table, column) {
        ("escalations", "id") => Some("Escalation"),
        (_, "id") => Some("Id"),
        (_, "escalation_id") => Some("Escalation"),
        (_, "child_name") => Some("Child"),
        (_, "child_dob") => Some("Child's date of birth"),
        (_, "child_ref") => Some("Child's reference"),
        (_, "immediate_risk") => Some("Immediate risk"),
        (_, "raised_with") => Some("Raised with"),
        (_, "to_stage") => Some("To stage"),
        (_, "at") => Some("When"),
        (_, "sha256") => Some("SHA-256"),
        (_, "record_hash") => Some("Record's fingerprint"),
        (_, "prev_hash") => Some("Previous entry's hash"),
        (_, "hash") => Some("Entry's hash"),
        _ => None,
    };
    if let Some(known) = known {
        return known.to_owned();
    }
    let words = column.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A value as a spreadsheet cell. Text a spreadsheet would take for a formula (`=`, `+`, `-`,
/// `@` first) gets a leading `'`, so it is shown, never run.
fn cell(column: &str, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) if YES_NO.contains(&column) => {
            if n.as_i64() == Some(0) { "no" } else { "yes" }.to_owned()
        }
        serde_json::Value::String(text) => {
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
        other => other.to_string(),
    }
}

fn csv(context: &mut Context, args: &ExportArgs) -> Result<String, CliError> {
    let Some(folder) = args.out.clone() else {
        return Err(CliError(
            "--out: give the folder to write the CSV files into, e.g. --out export (a file a record kind)".to_owned(),
        ));
    };
    if let Ok(metadata) = std::fs::symlink_metadata(&folder)
        && !metadata.is_dir()
    {
        return Err(CliError(format!(
            "--out: {} is not a folder; give a folder for the CSV files (it is made if need be)",
            folder.display()
        )));
    }
    if !args.force
        && let Some((_, name)) = CSV_FILES
            .iter()
            .find(|(_, name)| std::fs::symlink_metadata(folder.join(name)).is_ok())
    {
        return Err(already_there(&folder.join(name)));
    }
    let store = verified(context)?;
    // The stage and openness first (a few numbers an escalation), to go beside each escalation.
    let mut order = vec!["escalation_state"];
    order.extend(CSV_FILES.iter().map(|(table, _)| *table));
    let mut sink = CsvSink {
        folder: folder.clone(),
        replace: if args.force {
            Replace::Yes
        } else {
            Replace::No
        },
        state: std::collections::HashMap::new(),
        state_columns: None,
        private: None,
        current: None,
        written: Vec::new(),
    };
    if args.privacy {
        // A first read for the names and addresses (a few strings an escalation), so that
        // every file, whichever comes first, has them hidden.
        let mut private = Private::default();
        store.stream_rows(
            &["escalations", "amendments", "escalation_details"],
            &mut private,
        )?;
        sink.private = Some(private);
    }
    store.stream_rows(&order, &mut sink)?;
    let files: Vec<String> = sink
        .written
        .iter()
        .map(|(name, rows)| format!("{name} ({rows})"))
        .collect();
    Ok(format!(
        "Wrote {} CSV files to {} (readable only by you): {}.\n{} To restore a database, export JSON instead.\n",
        files.len(),
        folder.display(),
        files.join(", "),
        if args.privacy {
            "They are for reading in a spreadsheet, with every spelling of each child's name as initials and addresses withheld; the rest of the record is there, so keep them safely."
        } else {
            "They are for reading in a spreadsheet, and hold children's names: keep them as safely as the database."
        }
    ))
}

/// For `--privacy`: each escalation's child's names (as recorded and as amended) and address
/// and postcode, read first; each row of an escalation then has them hidden as privacy mode
/// hides them everywhere ([`Redactor`]): the name as initials, the address withheld.
#[derive(Default)]
struct Private {
    /// Escalation id: (names, places).
    known: std::collections::HashMap<i64, (Vec<String>, Vec<String>)>,
    /// Where the columns read are, in the table being read.
    reading: Option<(&'static str, Vec<Option<usize>>)>,
    /// The last escalation's redactor: rows come grouped by table, often by escalation.
    last: Option<(i64, Redactor)>,
}

const PLACES: &[&str] = &["child-address", "child-postcode"];

impl Private {
    fn redactor(&mut self, id: i64) -> Option<&Redactor> {
        if self.last.as_ref().is_none_or(|(last, _)| *last != id) {
            let (names, places) = self.known.get(&id)?;
            let mut redactor = Redactor::new(names.iter().map(String::as_str));
            redactor.hide_places(places.iter().map(String::as_str));
            self.last = Some((id, redactor));
        }
        self.last.as_ref().map(|(_, r)| r)
    }

    /// Hides the names and places in `record` (a row of `table`, from `values`).
    fn hide(
        &mut self,
        table: &str,
        columns: &[String],
        values: &[serde_json::Value],
        record: &mut [String],
    ) {
        let key = if table == "escalations" {
            "id"
        } else {
            "escalation_id"
        };
        let Some(id) = columns
            .iter()
            .position(|c| c == key)
            .and_then(|i| values.get(i))
            .and_then(serde_json::Value::as_i64)
        else {
            return;
        };
        let field = columns
            .iter()
            .position(|c| c == "field")
            .and_then(|i| values.get(i))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let Some(redactor) = self.redactor(id) else {
            return;
        };
        for (column, text) in columns.iter().zip(record.iter_mut()) {
            if column == "child_name" {
                *text = initials(text);
            } else if field.as_deref().is_some_and(|f| PLACES.contains(&f))
                && matches!(column.as_str(), "value" | "old_value" | "new_value")
                && !text.is_empty()
            {
                *text = "[address withheld]".to_owned();
            } else {
                *text = redactor.apply(text);
            }
        }
    }
}

impl RowSink for Private {
    fn begin(&mut self, _: &Snapshot) -> crate::storage::Result<()> {
        Ok(())
    }

    fn table(&mut self, table: &str, columns: &[String]) -> crate::storage::Result<()> {
        let at = |name: &str| columns.iter().position(|c| c == name);
        self.reading = match table {
            "escalations" => Some(("escalations", vec![at("id"), at("child_name")])),
            "amendments" => Some((
                "amendments",
                vec![
                    at("escalation_id"),
                    at("field"),
                    at("old_value"),
                    at("new_value"),
                ],
            )),
            "escalation_details" => Some((
                "escalation_details",
                vec![at("escalation_id"), at("field"), at("value")],
            )),
            _ => None,
        };
        Ok(())
    }

    fn row(&mut self, values: &[serde_json::Value]) -> crate::storage::Result<()> {
        let Some((table, at)) = &self.reading else {
            return Ok(());
        };
        let text = |n: usize| {
            at.get(n)
                .copied()
                .flatten()
                .and_then(|i| values.get(i))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let Some(id) = at
            .first()
            .copied()
            .flatten()
            .and_then(|i| values.get(i))
            .and_then(serde_json::Value::as_i64)
        else {
            return Ok(());
        };
        let entry = self.known.entry(id).or_default();
        match *table {
            "escalations" => entry.0.extend(text(1)),
            "amendments" => match text(1).as_deref() {
                Some("child") => entry.0.extend(text(2).into_iter().chain(text(3))),
                Some(f) if PLACES.contains(&f) => {
                    entry.1.extend(text(2).into_iter().chain(text(3)));
                }
                _ => {}
            },
            _ => {
                if text(1).as_deref().is_some_and(|f| PLACES.contains(&f)) {
                    entry.1.extend(text(2));
                }
            }
        }
        Ok(())
    }

    fn end_table(&mut self) -> crate::storage::Result<()> {
        Ok(())
    }
}

/// The table being written: its file, its columns, and where the stage goes.
struct CsvTable {
    writer: csv::Writer<PrivateFile>,
    table: String,
    columns: Vec<String>,
    name: &'static str,
    rows: u64,
}

/// Writes each table to its own CSV file as the rows come; the `escalation_state` rows are
/// kept (stage and openness by escalation) and written beside each escalation.
struct CsvSink {
    folder: PathBuf,
    replace: Replace,
    state: std::collections::HashMap<i64, (i64, bool)>,
    /// Where the escalation's id, stage and openness are among the state's columns.
    state_columns: Option<(usize, usize, usize)>,
    /// With --privacy: every spelling of each child's name and address, by escalation.
    private: Option<Private>,
    current: Option<CsvTable>,
    written: Vec<(&'static str, u64)>,
}

impl CsvSink {
    fn failed(&self, name: &str) -> impl Fn(std::io::Error) -> StoreError {
        let path = self.folder.join(name);
        move |e| StoreError::Backend(format!("cannot write {}: {e}", path.display()))
    }
}

impl RowSink for CsvSink {
    fn begin(&mut self, _: &Snapshot) -> crate::storage::Result<()> {
        Ok(())
    }

    fn table(&mut self, table: &str, columns: &[String]) -> crate::storage::Result<()> {
        let Some((_, name)) = CSV_FILES.iter().find(|(t, _)| *t == table) else {
            // The state: kept, not written.
            self.current = None;
            let at = |name: &str| columns.iter().position(|c| c == name);
            self.state_columns = (table == "escalation_state")
                .then(|| Some((at("escalation_id")?, at("stage")?, at("is_open")?)))
                .flatten();
            return Ok(());
        };
        let path = self.folder.join(name);
        let mut file = PrivateFile::create(&path).map_err(self.failed(name))?;
        // A byte-order mark, so that Excel reads the text as UTF-8 (accents and all).
        file.write_all(b"\xef\xbb\xbf").map_err(self.failed(name))?;
        let mut writer = csv::Writer::from_writer(file);
        let mut headers: Vec<String> = columns.iter().map(|c| header(table, c)).collect();
        if table == "escalations" {
            headers.extend(["Stage now".to_owned(), "Open".to_owned()]);
        }
        writer
            .write_record(&headers)
            .map_err(|e| StoreError::Backend(format!("cannot write {name}: {e}")))?;
        self.current = Some(CsvTable {
            writer,
            table: table.to_owned(),
            columns: columns.to_vec(),
            name,
            rows: 0,
        });
        Ok(())
    }

    fn row(&mut self, values: &[serde_json::Value]) -> crate::storage::Result<()> {
        let Some(current) = &mut self.current else {
            let at = |i: usize| values.get(i).and_then(serde_json::Value::as_i64);
            if let Some((id, stage, open)) = self.state_columns
                && let (Some(id), Some(stage), Some(open)) = (at(id), at(stage), at(open))
            {
                self.state.insert(id, (stage, open != 0));
            }
            return Ok(());
        };
        let mut record: Vec<String> = current
            .columns
            .iter()
            .zip(values)
            .map(|(column, value)| cell(column, value))
            .collect();
        if let Some(private) = &mut self.private {
            private.hide(&current.table, &current.columns, values, &mut record);
        }
        if current.table == "escalations" {
            let state = values
                .first()
                .and_then(serde_json::Value::as_i64)
                .and_then(|id| self.state.get(&id));
            match state {
                Some((stage, open)) => {
                    record.push(stage.to_string());
                    record.push(if *open { "yes" } else { "no" }.to_owned());
                }
                None => record.extend([String::new(), String::new()]),
            }
        }
        current.rows += 1;
        current
            .writer
            .write_record(&record)
            .map_err(|e| StoreError::Backend(format!("cannot write {}: {e}", current.name)))
    }

    fn end_table(&mut self) -> crate::storage::Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        let name = current.name;
        let file = current
            .writer
            .into_inner()
            .map_err(|e| StoreError::Backend(format!("cannot write {name}: {}", e.error())))?;
        file.finish(self.replace).map_err(self.failed(name))?;
        self.written.push((name, current.rows));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_told_from_csv_by_its_content() {
        assert!(looks_like_json(b"\xef\xbb\xbf  \n{\"format\""));
        assert!(looks_like_json(b"{"));
        assert!(!looks_like_json(b"child,dob\n"));
        assert!(!looks_like_json(b"\xef\xbb\xbfchild,dob\n"));
        assert!(!looks_like_json(b""));
    }

    #[test]
    fn a_head_reads_as_verify_prints_it() {
        let hash = "ab".repeat(32);
        assert_eq!(
            parse_head(&format!("12:{hash}")),
            Some(Head {
                entries: 12,
                hash: hash.clone()
            })
        );
        assert_eq!(parse_head("0:"), Some(Head::of(&[])));
        assert_eq!(parse_head("0:abc"), None);
        assert_eq!(parse_head(&format!("x:{hash}")), None);
        assert_eq!(parse_head("3:short"), None);
        assert_eq!(parse_head("nothing"), None);
    }

    #[test]
    fn a_cell_shows_what_a_person_reads_and_never_a_formula() {
        use serde_json::json;
        assert_eq!(cell("immediate_risk", &json!(1)), "yes");
        assert_eq!(cell("immediate_risk", &json!(0)), "no");
        assert_eq!(cell("stage", &json!(3)), "3");
        assert_eq!(
            cell("summary", &json!("=HYPERLINK(\"x\")")),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(cell("summary", &json!("-1 agreed")), "'-1 agreed");
        assert_eq!(cell("summary", &json!("Zoë")), "Zoë");
        assert_eq!(cell("child_dob", &serde_json::Value::Null), "");
        assert_eq!(header("escalations", "child_name"), "Child");
        assert_eq!(header("discussions", "recorded_by"), "Recorded by");
    }
}
