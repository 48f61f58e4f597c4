//! Placeholder resolution: `#name` → ExpressionAttributeNames, `:value` →
//! ExpressionAttributeValues, tracking which were used so that unused ones are refused
//! with DynamoDB's messages, plus DynamoDB's reserved-word list.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::DdbError;
use crate::protocol::ExprInput;
use crate::value::{AttrValue, Item};

const RESERVED: &str = include_str!("reserved_words.txt");

/// Whether `word` is one of DynamoDB's reserved words (case-insensitive).
pub fn is_reserved(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    RESERVED
        .lines()
        .any(|w| w.len() == upper.len() && w == upper)
}

/// Resolves placeholders for all the expressions of one request.
pub struct Resolver {
    names: Option<BTreeMap<String, String>>,
    values: Option<Item>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    expressions: usize,
}

impl Resolver {
    /// Validates the maps' keys and builds a resolver.
    pub fn new(input: &ExprInput) -> Result<Resolver, DdbError> {
        if let Some(n) = &input.names {
            if n.is_empty() {
                return Err(DdbError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            for k in n.keys() {
                if !k.starts_with('#') {
                    return Err(DdbError::validation(format!(
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
                    )));
                }
            }
        }
        if let Some(v) = &input.values {
            if v.is_empty() {
                return Err(DdbError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            for k in v.keys() {
                if !k.starts_with(':') {
                    return Err(DdbError::validation(format!(
                        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
                    )));
                }
            }
        }
        Ok(Resolver {
            names: input.names.clone(),
            values: input.values.clone(),
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
            expressions: 0,
        })
    }

    /// Notes that one expression was given (for the "only with expressions" checks).
    pub fn expression_seen(&mut self) {
        self.expressions += 1;
    }

    /// Resolves `#name`; the error is the message without the "Invalid …:" prefix.
    pub fn name(&mut self, n: &str) -> Result<String, String> {
        match self.names.as_ref().and_then(|m| m.get(n)) {
            Some(v) => {
                self.used_names.insert(n.to_string());
                Ok(v.clone())
            }
            None => Err(format!(
                "An expression attribute name used in the document path is not defined; attribute name: {n}"
            )),
        }
    }

    /// Resolves `:value`.
    pub fn value(&mut self, v: &str) -> Result<AttrValue, String> {
        match self.values.as_ref().and_then(|m| m.get(v)) {
            Some(val) => {
                self.used_values.insert(v.to_string());
                Ok(val.clone())
            }
            None => Err(format!(
                "An expression attribute value used in expression is not defined; attribute value: {v}"
            )),
        }
    }

    /// Refuses names or values given but not used. `value_expressions` are the request's
    /// expressions that can use values, each with whether it was given: values given with
    /// none of them are refused by naming them ("… ConditionExpression is null").
    pub fn finish(self, value_expressions: &[(&str, bool)]) -> Result<(), DdbError> {
        if self.expressions == 0 && self.names.is_some() {
            return Err(DdbError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        if self.values.is_some()
            && !value_expressions.is_empty()
            && value_expressions.iter().all(|(_, given)| !given)
        {
            let names: Vec<&str> = value_expressions.iter().map(|(n, _)| *n).collect();
            return Err(DdbError::validation(format!(
                "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
                names.join(" and "),
                if names.len() > 1 { "are" } else { "is" }
            )));
        }
        if let Some(n) = &self.names {
            let unused: Vec<&str> = n
                .keys()
                .filter(|k| !self.used_names.contains(*k))
                .map(String::as_str)
                .collect();
            if !unused.is_empty() {
                return Err(DdbError::validation(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                )));
            }
        }
        if let Some(v) = &self.values {
            let unused: Vec<&str> = v
                .keys()
                .filter(|k| !self.used_values.contains(*k))
                .map(String::as_str)
                .collect();
            if !unused.is_empty() {
                return Err(DdbError::validation(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                )));
            }
        }
        Ok(())
    }
}
