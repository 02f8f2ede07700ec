//! The dashboard's form view (issue 15): `f` on a notification owed (the notifications panel) or
//! in the detail view shows the procedure's form filled from the record, scrollable; `w` writes
//! it out as printable HTML (the runtime puts it in the `forms` folder beside the database);
//! `s` records the notification sent with this form kept beside it; Tab shows the next form.
//!
//! The form is filled by `core::form` from the escalation as loaded, in privacy mode with the
//! name hidden and the address withheld. A field the record cannot fill is shown visibly blank
//! (`[not recorded — fill in by hand]`); `e` asks for each in turn (the dashboard's small form,
//! as `--set` on the command line), and what is typed fills the form written or sent. It never
//! changes the record.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use crate::core::form::{self, FilledForm, Format};
use crate::core::record::Redactor;

use super::state::State;
use super::{Effect, Intent};

/// A filled form on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormView {
    pub escalation: i64,
    pub filled: FilledForm,
    /// The form as plain text, as drawn (and as kept with the record when sent with it).
    pub text: String,
    pub scroll: u16,
    /// The notification it was opened from, when it was: `s` records that one sent.
    pub notification: Option<String>,
    /// Every form of the procedure, for Tab.
    pub forms: Vec<String>,
    /// Whether it was filled in privacy mode (then it is never sent or written out as it is).
    pub is_redacted: bool,
    /// What was typed for the fields the record cannot fill, by field id.
    pub answers: BTreeMap<String, String>,
    /// The blank field being typed into (`e`), if any.
    pub editing: Option<Editing>,
}

/// A field the record cannot fill, being typed into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editing {
    pub field: String,
    pub label: String,
    pub buffer: String,
}

/// The form to show for escalation `id`: the selected notification's form, else the first form
/// owed on it, else the procedure's first form.
pub fn open(state: &mut State, id: i64, notification: Option<(String, Option<String>)>) {
    let (notification, chosen, warning) = match notification {
        Some((notification, Some(form))) => (Some(notification), Some(form), None),
        Some((notification, None)) => (
            None,
            None,
            Some(format!(
                "Notification {notification} names no form; showing the escalation's forms"
            )),
        ),
        None => (None, None, None),
    };
    let found = state.entry(id).map(|entry| {
        let procedure = state.procedures.get(&entry.escalation.procedure)?;
        let forms: Vec<String> = form::available(procedure)
            .iter()
            .filter(|f| !f.fields.is_empty())
            .map(|f| f.id.clone())
            .collect();
        let chosen = chosen
            .clone()
            .or_else(|| form::owed(&entry.schedule).first().map(|(f, _)| f.clone()))
            .or_else(|| forms.first().cloned())?;
        // The notification a form on screen can be sent with: the one chosen, else the first
        // owed notification that uses this form.
        let notification = notification.clone().or_else(|| {
            entry
                .schedule
                .outstanding_notifications()
                .find(|n| n.form.as_deref() == Some(chosen.as_str()))
                .map(|n| n.id.to_string())
        });
        Some((chosen, notification, forms))
    });
    match found {
        None => {}
        Some(None) => {
            state.status = Some(format!(
                "Escalation {id}'s procedure has no forms (or is no longer defined)"
            ));
        }
        Some(Some((chosen, notification, forms))) => {
            show(state, id, &chosen, notification, forms, BTreeMap::new());
            if let Some(warning) = warning {
                state.status = Some(warning);
            }
        }
    }
}

/// Fills and shows form `form_id` of escalation `id`.
fn show(
    state: &mut State,
    id: i64,
    form_id: &str,
    notification: Option<String>,
    forms: Vec<String>,
    answers: BTreeMap<String, String>,
) {
    let Some(entry) = state.entry(id) else { return };
    let Some(procedure) = state.procedures.get(&entry.escalation.procedure) else {
        return;
    };
    let Some(definition) = form::find(procedure, form_id) else {
        state.status = Some(format!("{} has no form {form_id}", procedure.id));
        return;
    };
    let redactor = state
        .is_privacy
        .then(|| Redactor::for_escalation(&entry.escalation));
    let today = crate::core::calendar::local_date(state.now);
    match form::fill(
        definition,
        &entry.escalation,
        procedure,
        Some(&entry.schedule),
        today,
        &answers,
        redactor.as_ref(),
    ) {
        Ok(filled) => {
            let text = form::render(std::slice::from_ref(&filled), Format::Text);
            state.form_view = Some(FormView {
                escalation: id,
                filled,
                text,
                scroll: 0,
                notification,
                forms,
                is_redacted: state.is_privacy,
                answers,
                editing: None,
            });
            state.is_dirty = true;
        }
        Err(e) => state.status = Some(format!("Could not fill the form: {e}")),
    }
}

/// The file a form is written to, in the forms folder: no child's name in it.
pub fn file_name(view: &FormView) -> String {
    format!(
        "escalation-{}-{}-{}.html",
        view.escalation, view.filled.id, view.filled.made_on
    )
}

/// What a key does while a blank field is being typed into: characters type, Backspace deletes,
/// Enter keeps it and goes to the next blank field, Esc keeps it and stops. Kept answers fill
/// the form again at once.
fn on_editing(state: &mut State, intent: Intent) {
    let Some(view) = state.form_view.as_mut() else {
        return;
    };
    let Some(editing) = view.editing.as_mut() else {
        return;
    };
    match intent {
        Intent::FormInput(key) => match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    && !c.is_control() =>
            {
                editing.buffer.push(c);
            }
            KeyCode::Backspace => {
                editing.buffer.pop();
            }
            _ => {}
        },
        Intent::FormNext | Intent::FormCancel => {
            let Editing { field, buffer, .. } = editing.clone();
            if buffer.trim().is_empty() {
                view.answers.remove(&field);
            } else {
                view.answers.insert(field.clone(), buffer);
            }
            let next = (intent == Intent::FormNext)
                .then(|| {
                    view.filled
                        .fields
                        .iter()
                        .skip_while(|f| f.id != field)
                        .skip(1)
                        .find(|f| f.origin != "record")
                        .map(|f| Editing {
                            field: f.id.clone(),
                            label: f.label.clone(),
                            buffer: view.answers.get(&f.id).cloned().unwrap_or_default(),
                        })
                })
                .flatten();
            let (id, form_id, notification, forms, answers, scroll) = (
                view.escalation,
                view.filled.id.clone(),
                view.notification.clone(),
                view.forms.clone(),
                view.answers.clone(),
                view.scroll,
            );
            show(state, id, &form_id, notification, forms, answers);
            if let Some(view) = state.form_view.as_mut() {
                view.editing = next;
                view.scroll = scroll;
            }
        }
        _ => {}
    }
}

/// What a key does while a form is shown.
pub fn on_intent(state: &mut State, intent: Intent) -> Vec<Effect> {
    state.is_dirty = true;
    if state
        .form_view
        .as_ref()
        .is_some_and(|v| v.editing.is_some())
    {
        on_editing(state, intent);
        return Vec::new();
    }
    let Some(view) = state.form_view.as_mut() else {
        return Vec::new();
    };
    let lines = u16::try_from(view.text.lines().count()).unwrap_or(u16::MAX);
    match intent {
        Intent::Back | Intent::ShowForm => state.form_view = None,
        Intent::Up => view.scroll = view.scroll.saturating_sub(1),
        Intent::Down => view.scroll = (view.scroll + 1).min(lines.saturating_sub(1)),
        Intent::NextTab => {
            let (id, forms) = (view.escalation, view.forms.clone());
            let next = forms
                .iter()
                .position(|f| *f == view.filled.id)
                .map_or(0, |i| (i + 1) % forms.len().max(1));
            if let Some(form_id) = forms.get(next).cloned() {
                let notification = state.entry(id).and_then(|e| {
                    e.schedule
                        .outstanding_notifications()
                        .find(|n| n.form.as_deref() == Some(form_id.as_str()))
                        .map(|n| n.id.to_string())
                });
                show(state, id, &form_id, notification, forms, BTreeMap::new());
            }
        }
        Intent::FillBlanks => {
            let first = view
                .filled
                .fields
                .iter()
                .find(|f| f.origin != "record")
                .map(|f| (f.id.clone(), f.label.clone()));
            match first {
                Some((field, label)) => {
                    let buffer = view.answers.get(&field).cloned().unwrap_or_default();
                    view.editing = Some(Editing {
                        field,
                        label,
                        buffer,
                    });
                }
                None => {
                    state.status = Some("The record fills every field of this form".to_owned());
                }
            }
        }
        Intent::WriteForm => {
            if view.is_redacted {
                state.status = Some(
                    "Privacy mode hides the name and address: press p, then f again, to write the form out whole".to_owned(),
                );
                return Vec::new();
            }
            let text = form::render(std::slice::from_ref(&view.filled), Format::Html);
            return vec![Effect::WriteForm {
                file_name: file_name(view),
                text,
            }];
        }
        Intent::MarkNotificationSent => {
            let Some(notification) = view.notification.clone() else {
                state.status = Some(format!(
                    "No notification owed now uses form {}; record a notification sent with s on the dashboard",
                    view.filled.id
                ));
                return Vec::new();
            };
            if view.is_redacted {
                state.status = Some(
                    "Privacy mode hides the name and address: press p, then f again, to send the form whole".to_owned(),
                );
                return Vec::new();
            }
            let attachment = (view.filled.id.clone(), view.text.clone());
            let id = view.escalation;
            state.form_view = None;
            super::update::open_notification_sent_with(state, id, &notification, attachment);
        }
        _ => {}
    }
    Vec::new()
}
