//! A form's fields as data, how they are drawn with what was typed, and how what was typed
//! becomes the API's JSON body.

use serde_json::{Map, Value, json};

use super::super::view;

/// How a field is typed and how its text becomes JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input {
    /// `dd/mm/yyyy` (or `yyyy-mm-dd`) → `"YYYY-MM-DD"`.
    Date,
    /// One line of text → a string.
    Text,
    /// Several lines of free text → a string.
    LongText,
    /// A whole number ≥ 0 → a number.
    Number,
    /// One of the options → its value as a string.
    Choice(&'static [(&'static str, &'static str)]),
    /// One of the options → its value as a number.
    NumberChoice(&'static [(&'static str, &'static str)]),
    /// Yes or no, as two options → `true` / `false`.
    YesNo(&'static str, &'static str),
    /// A tick box → `true` when ticked.
    Tick,
    /// Any of the options, ticked → an array of their values.
    Ticks(&'static [(&'static str, &'static str)]),
    /// One item per line → an array of strings.
    Lines,
    /// Codes separated by commas or spaces → an array of strings.
    Codes,
    /// One of the product's complaints → its id (or nothing).
    Complaint,
    /// One of the product's recorded events → its id.
    Event,
    /// A table of `n` rows of the given columns → an array of objects (empty rows left out).
    Rows(usize, &'static [Field]),
}

/// One field of a form. `key` is where its value goes in the body (`quorum.min_present`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
    /// Left empty, the body does not name it (the command's default applies); a required
    /// field left empty is refused before anything is sent.
    pub required: bool,
    pub hint: &'static str,
}

pub(crate) const fn field(key: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        key,
        label,
        input,
        required: true,
        hint: "",
    }
}

pub(crate) const fn optional(key: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        key,
        label,
        input,
        required: false,
        hint: "",
    }
}

pub(crate) const fn hinted(mut f: Field, hint: &'static str) -> Field {
    f.hint = hint;
    f
}

/// One field as the template draws it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldView {
    pub id: String,
    pub name: String,
    pub label: String,
    /// `date`, `text`, `textarea`, `number`, `select`, `radio`, `checkbox`, `checks`, `rows`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<OptionView>,
    pub required: bool,
    pub hint: String,
    pub error: Option<String>,
    /// For `rows`: the column headings and the rows.
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
    /// For document rows: a file chosen on a row fills in its SHA-256 and size.
    pub digest: bool,
    /// A cell of a table: labelled by `aria-label`, its error beside it.
    pub cell: bool,
}

/// One row of a table of fields.
#[derive(Debug, Clone)]
pub(crate) struct RowView {
    /// The row's id prefix (`documents-0`), which its cells' ids extend.
    pub id: String,
    pub cells: Vec<FieldView>,
}

#[derive(Debug, Clone)]
pub(crate) struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What a person typed, by field name, as sent (`documents.2.title`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Typed(Vec<(String, String)>);

impl Typed {
    pub fn parse(body: &[u8]) -> Self {
        Typed(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The form's idempotency key as sent, or a fresh one for a form drawn anew.
    pub fn key_or_fresh(&self) -> String {
        match self.get("idempotency_key") {
            "" => super::fresh_key(),
            k => k.to_owned(),
        }
    }

    /// The product version the form was drawn at, as sent, or the state's for a new form.
    pub fn version_or(&self, state: &Value) -> String {
        match self.get("version") {
            "" => view::text(state, "version"),
            v => v.to_owned(),
        }
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.to_owned()));
    }
}

fn options_of(options: &[(&str, &str)], chosen: &[&str]) -> Vec<OptionView> {
    options
        .iter()
        .map(|(v, l)| OptionView {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: chosen.contains(v),
        })
        .collect()
}

/// The choices a field offers that come from the product: its complaints, its events.
#[derive(Debug, Default)]
pub(crate) struct Context {
    pub complaints: Vec<(String, String)>,
    pub events: Vec<(String, String)>,
}

impl Context {
    /// The product's complaints (answered ones say so) and, when `with_events`, every
    /// event of its history.
    pub(crate) fn of(state: &Value, history: Option<&Value>) -> Self {
        let complaints = state["complaints"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let answered = c["inspections"].as_array().is_some_and(|i| !i.is_empty());
                        (
                            view::text(c, "complaint_id"),
                            format!(
                                "{} — {}{}",
                                view::opt_date(c["received_on"].as_str()),
                                view::text(c, "summary"),
                                if answered {
                                    " (đã có kiểm tra)"
                                } else {
                                    ""
                                }
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let events = history
            .and_then(|h| h["events"].as_array())
            .map(|es| {
                es.iter()
                    .map(|e| {
                        (
                            view::text(e, "event_id"),
                            format!(
                                "#{} {} — {}",
                                e["version"],
                                view::event(e["event_type"].as_str().unwrap_or_default()),
                                view::opt_date(e["occurred_on"].as_str())
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Context { complaints, events }
    }
}

fn dynamic(options: &[(String, String)], chosen: &str, none: bool) -> Vec<OptionView> {
    let first = none.then(|| OptionView {
        value: String::new(),
        label: "—".to_owned(),
        selected: chosen.is_empty(),
    });
    first
        .into_iter()
        .chain(options.iter().map(|(v, l)| OptionView {
            value: v.clone(),
            label: l.clone(),
            selected: v == chosen,
        }))
        .collect()
}

/// The field views of `fields` with what was typed and the errors by field name.
pub(crate) fn views(
    fields: &[Field],
    typed: &Typed,
    errors: &[(String, String)],
    context: &Context,
    prefix: &str,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| {
            let name = format!("{prefix}{}", f.key);
            let value = typed.get(&name).to_owned();
            let error = errors
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, e)| e.clone())
                .reduce(|a, b| format!("{a} {b}"));
            let mut v = FieldView {
                id: name.replace('.', "-"),
                name: name.clone(),
                label: f.label.to_owned(),
                required: f.required,
                hint: f.hint.to_owned(),
                error,
                ..FieldView::default()
            };
            match f.input {
                Input::Date => {
                    v.kind = "date";
                    v.value = value;
                }
                Input::Text | Input::Codes => {
                    v.kind = "text";
                    v.value = value;
                }
                Input::LongText | Input::Lines => {
                    v.kind = "textarea";
                    v.value = value;
                }
                Input::Number => {
                    v.kind = "number";
                    v.value = value;
                }
                Input::Choice(options) | Input::NumberChoice(options) => {
                    v.kind = "select";
                    let chosen = if value.is_empty() && f.required {
                        options.first().map_or("", |(o, _)| *o)
                    } else {
                        value.as_str()
                    };
                    v.options = options_of(options, &[chosen]);
                }
                Input::YesNo(yes, no) => {
                    v.kind = "radio";
                    let chosen = if value.is_empty() {
                        "true"
                    } else {
                        value.as_str()
                    };
                    v.options = options_of(&[("true", yes), ("false", no)], &[chosen]);
                }
                Input::Tick => {
                    v.kind = "checkbox";
                    v.value = value;
                }
                Input::Ticks(options) => {
                    v.kind = "checks";
                    v.options = options_of(options, &typed.all(&name));
                }
                Input::Complaint => {
                    v.kind = "select";
                    v.options = dynamic(&context.complaints, &value, true);
                }
                Input::Event => {
                    v.kind = "select";
                    v.options = dynamic(&context.events, &value, false);
                }
                Input::Rows(n, columns) => {
                    v.kind = "rows";
                    v.columns = columns.iter().map(|c| c.label.to_owned()).collect();
                    v.digest = columns.iter().any(|c| c.key == "sha256");
                    v.rows = (0..n)
                        .map(|i| {
                            let mut cells =
                                views(columns, typed, errors, context, &format!("{name}.{i}."));
                            for c in &mut cells {
                                c.label = format!("{}, dòng {}", c.label, i + 1);
                                c.cell = true;
                            }
                            RowView {
                                id: format!("{}-{i}", v.id),
                                cells,
                            }
                        })
                        .collect();
                }
            }
            v
        })
        .collect()
}

/// Puts `value` at the dotted `key` of `body`.
fn put(body: &mut Map<String, Value>, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            body.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = body
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                put(inner, rest, value);
            }
        }
    }
}

/// The API body the typed fields make, or what is wrong with them, by field name. A field
/// left empty is an error only when it is required and the form cannot send it empty.
pub(crate) fn body_of(
    fields: &[Field],
    typed: &Typed,
    prefix: &str,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let mut body = Map::new();
    let mut errors = Vec::new();
    for f in fields {
        let name = format!("{prefix}{}", f.key);
        let text = typed.get(&name).trim().to_owned();
        let missing = || {
            (
                name.clone(),
                format!("Cần nhập {}.", f.label.to_lowercase()),
            )
        };
        let value = match f.input {
            Input::Date => {
                if text.is_empty() {
                    if f.required {
                        errors.push(missing());
                    }
                    None
                } else if let Some(d) = view::parse_date(&text) {
                    Some(json!(d.to_string()))
                } else {
                    errors.push((
                        name.clone(),
                        format!(
                            "“{text}” không phải là ngày: nhập theo dạng dd/mm/yyyy, ví dụ 20/09/2025."
                        ),
                    ));
                    None
                }
            }
            Input::Text | Input::LongText => {
                if text.is_empty() && !f.required {
                    None
                } else {
                    // A required text left empty is sent empty: the rules say why it is needed.
                    Some(json!(text))
                }
            }
            Input::Number | Input::NumberChoice(_) => {
                if text.is_empty() {
                    if f.required {
                        errors.push(missing());
                    }
                    None
                } else if let Ok(n) = text.parse::<u64>() {
                    Some(json!(n))
                } else {
                    errors.push((
                        name.clone(),
                        format!("“{text}” không phải là số nguyên không âm."),
                    ));
                    None
                }
            }
            Input::Choice(_) | Input::Complaint | Input::Event => {
                (!text.is_empty()).then(|| json!(text))
            }
            Input::YesNo(..) => Some(json!(text != "false")),
            Input::Tick => Some(json!(!text.is_empty())),
            Input::Ticks(_) => Some(json!(typed.all(&name))),
            Input::Lines => Some(json!(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
            )),
            Input::Codes => Some(json!(
                text.split([',', ';', ' '])
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
            )),
            Input::Rows(n, columns) => {
                let mut rows = Vec::new();
                for i in 0..n {
                    let row_prefix = format!("{name}.{i}.");
                    let blank = columns.iter().all(|c| {
                        typed
                            .get(&format!("{row_prefix}{}", c.key))
                            .trim()
                            .is_empty()
                    });
                    if blank {
                        continue;
                    }
                    match body_of(columns, typed, &row_prefix) {
                        Ok(row) => rows.push(Value::Object(row)),
                        Err(e) => errors.extend(e),
                    }
                }
                Some(Value::Array(rows))
            }
        };
        if let Some(value) = value {
            put(&mut body, f.key, value);
        }
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &[Field] = &[
        optional("kind", "Loại", Input::Choice(&[("a", "A")])),
        optional("title", "Tên", Input::Text),
        optional("size_bytes", "Dung lượng", Input::Number),
    ];
    const FORM: &[Field] = &[
        field("on", "Ngày", Input::Date),
        field("quorum.min_present", "Số tối thiểu", Input::Number),
        field("quorum.chair_required", "Có chủ tịch", Input::Tick),
        field("recognized", "Kết quả", Input::YesNo("Có", "Không")),
        optional("note", "Ghi chú", Input::Text),
        field("reasons", "Lý do", Input::Lines),
        field("documents", "Hồ sơ", Input::Rows(3, DOC)),
    ];

    fn typed(pairs: &[(&str, &str)]) -> Typed {
        let mut t = Typed::default();
        for (k, v) in pairs {
            t.0.push(((*k).to_owned(), (*v).to_owned()));
        }
        t
    }

    #[test]
    fn typed_fields_become_the_commands_json() {
        let t = typed(&[
            ("on", "20/09/2025"),
            ("quorum.min_present", "5"),
            ("quorum.chair_required", "1"),
            ("recognized", "false"),
            ("reasons", "Thiếu phiếu kiểm nghiệm\n\n  Ảnh nhãn mờ  "),
            ("documents.1.kind", "a"),
            ("documents.1.title", "Phiếu"),
            ("documents.1.size_bytes", "48213"),
        ]);
        let body = body_of(FORM, &t, "").unwrap();
        assert_eq!(
            Value::Object(body),
            json!({
                "on": "2025-09-20",
                "quorum": {"min_present": 5, "chair_required": true},
                "recognized": false,
                "reasons": ["Thiếu phiếu kiểm nghiệm", "Ảnh nhãn mờ"],
                "documents": [{"kind": "a", "title": "Phiếu", "size_bytes": 48213}],
            }),
            "an empty optional field is left out, blank rows are skipped, an unticked box is false"
        );
    }

    #[test]
    fn what_cannot_be_sent_is_named_by_its_field() {
        let t = typed(&[("on", "31/02/2025"), ("documents.0.size_bytes", "nhiều")]);
        let errors = body_of(FORM, &t, "").unwrap_err();
        let names: Vec<&str> = errors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["on", "quorum.min_present", "documents.0.size_bytes"]
        );
        assert!(errors[0].1.contains("dd/mm/yyyy"), "{errors:?}");
        assert!(errors[1].1.starts_with("Cần nhập"), "{errors:?}");
        assert!(errors[2].1.contains("số nguyên"), "{errors:?}");
    }

    #[test]
    fn a_form_drawn_again_keeps_what_was_typed_and_marks_the_field() {
        let t = typed(&[("documents.2.title", "Bản mô tả"), ("note", "x")]);
        let errors = vec![("documents.2.title".to_owned(), "Sai".to_owned())];
        let fields = views(FORM, &t, &errors, &Context::default(), "");
        let note = fields.iter().find(|f| f.name == "note").unwrap();
        assert_eq!(note.value, "x");
        let docs = fields.iter().find(|f| f.name == "documents").unwrap();
        let cell = &docs.rows[2].cells[1];
        assert_eq!(
            (cell.id.as_str(), cell.value.as_str(), cell.error.as_deref()),
            ("documents-2-title", "Bản mô tả", Some("Sai"))
        );
        assert!(
            cell.cell && cell.label.ends_with("dòng 3"),
            "{}",
            cell.label
        );
    }
}
