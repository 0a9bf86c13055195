//! The AWS CLI v1's output pipeline for a JSON result: `--query` (JMESPath)
//! first, then the `json`, `text` or `table` formatter (awscli
//! `formatter.py`, `text.py`), byte for byte.

use jmespath::ast::Ast;
use serde_json::{Map, Value};

use crate::cli::OutputFormat;
use crate::output;

/// A compiled `--query`.
pub(crate) struct Query {
    expr: jmespath::Expression<'static>,
    /// The key order of every multi-select hash (`{a: x, b: y}`) in the
    /// expression: Python's jmespath builds those dicts in expression order.
    hash_orders: Vec<Vec<String>>,
}

impl Query {
    /// Compiles `text`; the error reads as the AWS CLI's "Bad value for
    /// --query" message.
    pub(crate) fn compile(text: &str) -> Result<Query, String> {
        let expr = jmespath::compile(&legacy_literals(text)).map_err(|e| {
            format!(
                "Bad value for --query {text}: Invalid jmespath expression: {} at column {}",
                e.reason, e.column
            )
        })?;
        let mut hash_orders = Vec::new();
        collect_hash_orders(expr.as_ast(), &mut hash_orders);
        Ok(Query { expr, hash_orders })
    }

    /// Applies the query to `data`. The crate's objects are sorted maps
    /// while Python's dicts keep insertion order, so each object of the
    /// result gets back the key order it had in `data` (a sub-document) or in
    /// the expression (a multi-select hash); anything else stays sorted.
    pub(crate) fn search(&self, data: &Value) -> Result<Value, String> {
        let found = self.expr.search(data).map_err(|e| e.reason.to_string())?;
        let found = serde_json::to_value(&*found).map_err(|e| e.to_string())?;
        let mut orders = Vec::new();
        collect_object_orders(data, &mut orders);
        orders.extend(self.hash_orders.iter().cloned());
        Ok(reorder(found, &orders))
    }
}

/// Python jmespath (the AWS CLI's) still accepts the deprecated form of a
/// literal whose text is not JSON, `` `moto` ``, as the JSON string of that
/// text; the Rust crate only takes JSON. Such literals are rewritten to
/// `` `"moto"` `` before compiling, exactly as Python's lexer retries
/// `json.loads('"%s"' % lexeme)`.
fn legacy_literals(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Raw strings and quoted identifiers: copied with their escapes.
            '\'' | '"' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            '`' => {
                let mut lexeme = String::new();
                while let Some(d) = chars.next() {
                    if d == '\\' && chars.peek() == Some(&'`') {
                        lexeme.push('`');
                        chars.next();
                    } else if d == '`' {
                        break;
                    } else {
                        lexeme.push(d);
                    }
                }
                let text = if serde_json::from_str::<Value>(&lexeme).is_ok() {
                    lexeme
                } else {
                    format!("\"{lexeme}\"")
                };
                out.push('`');
                out.push_str(&text.replace('`', "\\`"));
                out.push('`');
            }
            c => out.push(c),
        }
    }
    out
}

fn collect_object_orders(v: &Value, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            out.push(m.keys().cloned().collect());
            for x in m.values() {
                collect_object_orders(x, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_object_orders(x, out);
            }
        }
        _ => {}
    }
}

fn collect_hash_orders(ast: &Ast, out: &mut Vec<Vec<String>>) {
    match ast {
        Ast::MultiHash { elements, .. } => {
            out.push(elements.iter().map(|kv| kv.key.clone()).collect());
            for kv in elements {
                collect_hash_orders(&kv.value, out);
            }
        }
        Ast::Comparison { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. } => {
            collect_hash_orders(lhs, out);
            collect_hash_orders(rhs, out);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            collect_hash_orders(predicate, out);
            collect_hash_orders(then, out);
        }
        Ast::Expref { ast: node, .. }
        | Ast::Flatten { node, .. }
        | Ast::Not { node, .. }
        | Ast::ObjectValues { node, .. } => collect_hash_orders(node, out),
        Ast::Function { args: nodes, .. }
        | Ast::MultiList {
            elements: nodes, ..
        } => {
            for n in nodes {
                collect_hash_orders(n, out);
            }
        }
        Ast::Identity { .. }
        | Ast::Field { .. }
        | Ast::Index { .. }
        | Ast::Literal { .. }
        | Ast::Slice { .. } => {}
    }
}

fn reorder(v: Value, orders: &[Vec<String>]) -> Value {
    match v {
        Value::Object(mut m) => {
            let order = orders
                .iter()
                .find(|o| o.len() == m.len() && o.iter().all(|k| m.contains_key(k)));
            let mut out = Map::new();
            if let Some(order) = order {
                for k in order {
                    if let Some(x) = m.remove(k) {
                        out.insert(k.clone(), reorder(x, orders));
                    }
                }
            } else {
                let mut keys: Vec<String> = m.keys().cloned().collect();
                keys.sort();
                for k in keys {
                    if let Some(x) = m.remove(&k) {
                        out.insert(k, reorder(x, orders));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| reorder(x, orders)).collect()),
        other => other,
    }
}

/// Renders `v` as the AWS CLI would for `format`; `title` is the operation
/// name the table formatter puts on top. `Err` for a table layout credchain
/// does not draw (nested sections).
pub(crate) fn render(
    v: &Value,
    format: OutputFormat,
    title: &str,
    width: usize,
) -> Result<String, String> {
    match format {
        OutputFormat::Json => Ok(json(v)),
        OutputFormat::Text => {
            let mut o = String::new();
            text(v, None, None, &mut o);
            Ok(o)
        }
        OutputFormat::Table => table(v, title, width),
    }
}

/// `json.dumps(v, indent=4, ensure_ascii=False)` + `\n` (awscli
/// `JSONFormatter`): `", "`-free separators at line ends, `": "` after keys,
/// `[]` / `{}` when empty; scalars as serde_json writes them (the same
/// escapes as Python with `ensure_ascii=False`).
pub(crate) fn json(v: &Value) -> String {
    let mut o = String::new();
    json_into(v, 0, &mut o);
    o.push('\n');
    o
}

fn json_into(v: &Value, depth: usize, o: &mut String) {
    let pad = |d: usize| "    ".repeat(d);
    match v {
        Value::Array(a) if !a.is_empty() => {
            o.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                o.push_str(&pad(depth + 1));
                json_into(x, depth + 1, o);
                o.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            o.push_str(&pad(depth));
            o.push(']');
        }
        Value::Object(m) if !m.is_empty() => {
            o.push_str("{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                o.push_str(&pad(depth + 1));
                o.push_str(&serde_json::to_string(k).unwrap_or_default());
                o.push_str(": ");
                json_into(x, depth + 1, o);
                o.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            o.push_str(&pad(depth));
            o.push('}');
        }
        other => o.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}

/// Python `str()` of a JSON scalar.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        // Not reached for scalars; Python would print the repr.
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// awscli `text._format_text`.
fn text(v: &Value, identifier: Option<&str>, scalar_keys: Option<&[String]>, o: &mut String) {
    match v {
        Value::Object(m) => text_dict(m, identifier, scalar_keys, o),
        Value::Array(items) => text_list(items, identifier, o),
        scalar => {
            o.push_str(&py_str(scalar));
            o.push('\n');
        }
    }
}

fn text_list(items: &[Value], identifier: Option<&str>, o: &mut String) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(Value::is_object) {
        let mut keys: Vec<String> = items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|m| {
                m.iter()
                    .filter(|(_, x)| is_scalar(x))
                    .map(|(k, _)| k.clone())
            })
            .collect();
        keys.sort();
        keys.dedup();
        for el in items {
            text(el, identifier, Some(&keys), o);
        }
    } else if items.iter().any(Value::is_array) {
        let (scalars, rest): (Vec<&Value>, Vec<&Value>) = items.iter().partition(|x| is_scalar(x));
        if !scalars.is_empty() {
            text_scalars(&scalars, identifier, o);
        }
        for x in rest {
            text(x, identifier, None, o);
        }
    } else {
        text_scalars(&items.iter().collect::<Vec<_>>(), identifier, o);
    }
}

fn text_scalars(items: &[&Value], identifier: Option<&str>, o: &mut String) {
    if let Some(id) = identifier {
        for x in items {
            o.push_str(&id.to_uppercase());
            o.push('\t');
            o.push_str(&py_str(x));
            o.push('\n');
        }
    } else {
        let row: Vec<String> = items.iter().map(|x| py_str(x)).collect();
        o.push_str(&row.join("\t"));
        o.push('\n');
    }
}

fn text_dict(
    m: &Map<String, Value>,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    o: &mut String,
) {
    let mut scalars = Vec::new();
    let mut nested: Vec<(&String, &Value)> = Vec::new();
    if let Some(keys) = scalar_keys {
        for k in keys {
            scalars.push(m.get(k).map_or_else(|| "None".to_owned(), py_str));
        }
        let mut rest: Vec<&String> = m.keys().filter(|k| !keys.contains(k)).collect();
        rest.sort();
        nested.extend(rest.into_iter().map(|k| (k, &m[k])));
    } else {
        let mut sorted: Vec<(&String, &Value)> = m.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (k, x) in sorted {
            if is_scalar(x) {
                scalars.push(py_str(x));
            } else {
                nested.push((k, x));
            }
        }
    }
    if !scalars.is_empty() {
        if let Some(id) = identifier {
            scalars.insert(0, id.to_uppercase());
        }
        o.push_str(&scalars.join("\t"));
        o.push('\n');
    }
    for (k, x) in nested {
        text(x, Some(k), None, o);
    }
}

/// Python truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// awscli `TableFormatter` for the shapes a query of a flat response
/// gives: a falsy result prints nothing, a scalar only the title, a list of
/// scalars (or of equally long lists of scalars) one row each, a dict of
/// scalars a header row and a value row (one `key | value` row for a single
/// key).
fn table(v: &Value, title: &str, width: usize) -> Result<String, String> {
    const NESTED: &str = "--output table cannot draw this query result (nested lists or \
                          objects); use --output json or --output text";
    if !truthy(v) {
        return Ok(String::new());
    }
    let rows: Vec<Vec<String>> = match v {
        Value::Array(items) => {
            let mut rows = Vec::new();
            for item in items {
                match item {
                    Value::Array(cols) if cols.iter().all(is_scalar) => {
                        rows.push(cols.iter().map(py_str).collect());
                    }
                    x if is_scalar(x) => rows.push(vec![py_str(x)]),
                    _ => return Err(NESTED.to_owned()),
                }
            }
            rows
        }
        Value::Object(m) if m.values().all(is_scalar) => {
            if m.len() > 1 {
                let fields: Vec<(String, String)> =
                    m.iter().map(|(k, x)| (k.clone(), py_str(x))).collect();
                let refs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, x)| (k.as_str(), x.as_str()))
                    .collect();
                return Ok(output::aws_table(title, &refs, width));
            }
            m.iter().map(|(k, x)| vec![k.clone(), py_str(x)]).collect()
        }
        Value::Object(_) => return Err(NESTED.to_owned()),
        _ => Vec::new(),
    };
    let ncols = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != ncols) {
        return Err(NESTED.to_owned());
    }
    let cols: Vec<usize> = (0..ncols)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let max = (cols.iter().map(|w| w + 4).sum::<usize>() + 2).max(title.chars().count() + 2);
    if max > width && ncols > 1 {
        return Err(NESTED.to_owned());
    }
    let widths = if ncols == 0 {
        vec![max]
    } else {
        output::scale(&cols, max)
    };
    let mut o = String::new();
    o.push_str(&"-".repeat(max));
    o.push('\n');
    o.push_str(&output::center(title, max, "|"));
    o.push('\n');
    o.push_str(&output::line_break(&widths));
    if !rows.is_empty() {
        for r in &rows {
            for (i, (cell, w)) in r.iter().zip(&widths).enumerate() {
                o.push_str(&output::align_left(cell, *w, if i == 0 { "|" } else { "" }));
            }
            o.push('\n');
        }
        o.push_str(&output::line_break(&widths));
    }
    Ok(o)
}
