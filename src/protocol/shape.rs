//! The shape checks of the reference reader: what a [`serde_json::Value`] of the request must hold, with the
//! message that names what was expected and where.

use serde_json::Value;

use super::{Dialect, ProtocolError};

pub(super) fn validate_context(context: &Value) -> Result<(), ProtocolError> {
    let Value::Object(fields) = context else {
        return Err(ProtocolError::new(format!(
            "element 0 of stdin (the context) must be an object, found {}",
            type_name(context)
        )));
    };
    for key in ["root", "renderer", "mdbook_version"] {
        match fields.get(key) {
            Some(Value::String(_)) => {}
            Some(other) => {
                return Err(ProtocolError::new(format!("context.{key} must be a string, found {}", type_name(other))));
            }
            None => return Err(ProtocolError::new(format!("the context (element 0 of stdin) has no `{key}`"))),
        }
    }
    match fields.get("config") {
        Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(ProtocolError::new(format!("context.config must be an object, found {}", type_name(other)))),
        None => Err(ProtocolError::new("the context (element 0 of stdin) has no `config`")),
    }
}

pub(super) fn detect_dialect(book: &Value) -> Result<Dialect, ProtocolError> {
    let Value::Object(fields) = book else {
        return Err(ProtocolError::new(format!(
            "element 1 of stdin (the book) must be an object, found {}",
            type_name(book)
        )));
    };
    match (fields.get("items"), fields.get("sections")) {
        (Some(Value::Array(_)), None) => Ok(Dialect::V05),
        (None, Some(Value::Array(_))) => Ok(Dialect::V04),
        (Some(Value::Array(_)), Some(_)) => {
            Err(ProtocolError::new("the book has both `items` (mdBook 0.5) and `sections` (mdBook 0.4)"))
        }
        (Some(other), _) | (_, Some(other)) => {
            Err(ProtocolError::new(format!("the book's item list must be an array, found {}", type_name(other))))
        }
        (None, None) => Err(ProtocolError::new(
            "unknown book format: expected `items` (mdBook 0.5) or `sections` (mdBook 0.4) in element 1 of stdin",
        )),
    }
}

/// JSON nesting is bounded by serde_json's recursion limit (128), so this recursion is bounded too.
pub(super) fn validate_items(items: &Value, path: &str, depth: usize) -> Result<(), ProtocolError> {
    let Value::Array(items) = items else {
        return Err(ProtocolError::new(format!("book.{path} must be an array, found {}", type_name(items))));
    };
    for (i, item) in items.iter().enumerate() {
        let here = format!("{path}[{i}]");
        match item {
            Value::String(s) if s == "Separator" => {}
            Value::Object(o) if o.len() == 1 && o.get("PartTitle").is_some_and(Value::is_string) => {}
            Value::Object(o) if o.len() == 1 && o.contains_key("Chapter") => {
                validate_chapter(&o["Chapter"], &format!("{here}.Chapter"), depth)?;
            }
            _ => {
                return Err(ProtocolError::new(format!(
                    "book.{here} is not a book item (expected {{\"Chapter\": {{…}}}}, \"Separator\" or \
                     {{\"PartTitle\": \"…\"}})"
                )));
            }
        }
    }
    Ok(())
}

pub(super) fn validate_chapter(chapter: &Value, path: &str, depth: usize) -> Result<(), ProtocolError> {
    let Value::Object(fields) = chapter else {
        return Err(ProtocolError::new(format!("book.{path} must be an object, found {}", type_name(chapter))));
    };
    for key in ["name", "content"] {
        if !fields.get(key).is_some_and(Value::is_string) {
            return Err(ProtocolError::new(format!("book.{path}.{key} must be a string")));
        }
    }
    if let Some(source_path) = fields.get("source_path")
        && !(source_path.is_string() || source_path.is_null())
    {
        return Err(ProtocolError::new(format!("book.{path}.source_path must be a string or null")));
    }
    match fields.get("sub_items") {
        None => Ok(()),
        Some(sub_items) => validate_items(sub_items, &format!("{path}.sub_items"), depth + 1),
    }
}

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
