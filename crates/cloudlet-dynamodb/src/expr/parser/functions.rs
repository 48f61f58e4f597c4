//! Function calls in conditions: `name(operand, …)` read generically, then checked as
//! DynamoDB checks them — as a condition (`attribute_exists`, `attribute_not_exists`,
//! `attribute_type`, `begins_with`, `contains`) or as an operand (only `size`).

use super::*;

impl Parser<'_> {
    /// `name(operand, …)`, the name and its operands.
    pub(super) fn call(&mut self) -> PResult<(String, Vec<Operand>)> {
        let Tok::Ident(f) = self.peek().clone() else {
            return Err(self.syntax());
        };
        self.bump();
        self.expect(Tok::LParen)?;
        let mut args = vec![self.operand()?];
        while *self.peek() == Tok::Comma {
            self.bump();
            args.push(self.operand()?);
        }
        self.expect(Tok::RParen)?;
        Ok((f, args))
    }

    /// A function standing as a condition.
    pub(super) fn bool_function(&mut self, f: &str, args: Vec<Operand>) -> Cond {
        let placeholder = Cond::Exists(Vec::new());
        let want = match f {
            "attribute_exists" | "attribute_not_exists" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            "size" => {
                self.note(
                    Cat::MisusedFn,
                    "The function is not allowed to be used this way in an expression; function: size",
                );
                return placeholder;
            }
            "if_not_exists" | "list_append" => {
                self.note(
                    Cat::UnknownFn,
                    format!("The function is not allowed in a condition expression; function: {f}"),
                );
                return placeholder;
            }
            _ => {
                self.note(
                    Cat::UnknownFn,
                    format!("Invalid function name; function: {f}"),
                );
                return placeholder;
            }
        };
        if let Err(m) = checks::arity(f, want, args.len()) {
            self.note(Cat::Operand, m);
            return placeholder;
        }
        let mut args = args.into_iter();
        let (a, b) = (args.next(), args.next());
        match (f, a, b) {
            ("attribute_exists" | "attribute_not_exists", Some(a), _) => {
                match checks::path_arg(f, a) {
                    Ok(p) if f == "attribute_exists" => Cond::Exists(p),
                    Ok(p) => Cond::NotExists(p),
                    Err(m) => {
                        self.note(Cat::Function, m);
                        placeholder
                    }
                }
            }
            (_, Some(a), Some(b)) => {
                self.check(Cat::Distinct, checks::distinct(f, &a, &b));
                match f {
                    "attribute_type" => {
                        self.check(Cat::Function, checks::attribute_type(&b));
                        match checks::path_arg(f, a) {
                            Ok(p) => Cond::Type(p, b),
                            Err(m) => {
                                self.note(Cat::Function, m);
                                placeholder
                            }
                        }
                    }
                    "begins_with" => {
                        for o in [&a, &b] {
                            if let Some(t) = static_type(o)
                                && t != "S"
                                && t != "B"
                            {
                                self.note(Cat::Function, checks::incorrect_type(f, t));
                            }
                        }
                        Cond::BeginsWith(a, b)
                    }
                    _ => Cond::Contains(a, b),
                }
            }
            _ => placeholder,
        }
    }

    /// A function standing as an operand: only `size` is one.
    pub(super) fn call_operand(&mut self, f: &str, args: Vec<Operand>) -> Operand {
        let placeholder = Operand::Value(AttrValue::Null);
        if f != "size" {
            if BOOL_FUNCTIONS.contains(&f) || f == "if_not_exists" || f == "list_append" {
                self.note(
                    Cat::MisusedFn,
                    format!(
                        "The function is not allowed to be used this way in an expression; function: {f}"
                    ),
                );
            } else {
                self.note(
                    Cat::UnknownFn,
                    format!("Invalid function name; function: {f}"),
                );
            }
            return placeholder;
        }
        if let Err(m) = checks::arity(f, 1, args.len()) {
            self.note(Cat::Operand, m);
            return placeholder;
        }
        match args.into_iter().next() {
            Some(Operand::Path(p)) => Operand::Size(p),
            Some(Operand::Size(_)) => {
                self.note(Cat::Function, checks::incorrect_type("size", "N"));
                placeholder
            }
            Some(Operand::Value(v)) => match crate::expr::eval::size_of(&v) {
                Some(n) => Operand::Value(AttrValue::N(n)),
                None => {
                    self.note(Cat::Function, checks::size_of_value(&v));
                    placeholder
                }
            },
            None => placeholder,
        }
    }
}
