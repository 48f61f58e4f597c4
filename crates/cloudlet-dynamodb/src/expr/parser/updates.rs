//! The UpdateExpression half of the parser: SET values (`+`, `-`, `if_not_exists`,
//! `list_append`), REMOVE, ADD and DELETE clauses, each clause once.

use super::*;

impl Parser<'_> {
    fn up_operand(&mut self) -> PResult<UpOperand> {
        match self.peek().clone() {
            Tok::LParen => {
                self.bump();
                let inner = self.up_operand()?;
                self.expect(Tok::RParen)?;
                Ok(inner)
            }
            Tok::Value(_) => Ok(UpOperand::Value(self.value()?)),
            Tok::Ident(f) if *self.peek_at(1) == Tok::LParen => {
                self.bump();
                self.bump();
                let mut args = vec![self.up_operand()?];
                while *self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.up_operand()?);
                }
                self.expect(Tok::RParen)?;
                Ok(self.up_function(&f, args))
            }
            _ => Ok(UpOperand::Path(self.path()?)),
        }
    }

    fn up_function(&mut self, f: &str, mut args: Vec<UpOperand>) -> UpOperand {
        let placeholder = UpOperand::Value(AttrValue::Null);
        if f != "if_not_exists" && f != "list_append" {
            let msg = if BOOL_FUNCTIONS.contains(&f) || f == "size" {
                format!("The function is not allowed in an update expression; function: {f}")
            } else {
                format!("Invalid function name; function: {f}")
            };
            self.note(Cat::UnknownFn, msg);
            return placeholder;
        }
        if let Err(m) = checks::arity(f, 2, args.len()) {
            self.note(Cat::Function, m);
            return placeholder;
        }
        let (Some(b), Some(a)) = (args.pop(), args.pop()) else {
            return placeholder;
        };
        if f == "if_not_exists" {
            return match a {
                UpOperand::Path(p) => UpOperand::IfNotExists(p, Box::new(b)),
                _ => {
                    self.note(Cat::Function, checks::requires_path(f));
                    placeholder
                }
            };
        }
        self.check(
            Cat::Function,
            checks::update_operands("list_append", "L", &[&a, &b]),
        );
        UpOperand::ListAppend(Box::new(a), Box::new(b))
    }

    fn set_value(&mut self) -> PResult<SetValue> {
        // `SET a = (b + :c)`: parentheses around the whole value.
        if *self.peek() == Tok::LParen && !matches!(self.after_group(), Tok::Plus | Tok::Minus) {
            self.bump();
            let v = self.set_value()?;
            self.expect(Tok::RParen)?;
            return Ok(v);
        }
        let a = self.up_operand()?;
        let (plus, sym) = match self.peek() {
            Tok::Plus => (true, "+"),
            Tok::Minus => (false, "-"),
            _ => return Ok(SetValue::Operand(a)),
        };
        self.bump();
        let b = self.up_operand()?;
        self.check(Cat::Function, checks::update_operands(sym, "N", &[&a, &b]));
        Ok(if plus {
            SetValue::Plus(a, b)
        } else {
            SetValue::Minus(a, b)
        })
    }

    fn update(&mut self) -> PResult<Update> {
        let mut u = Update::default();
        let mut seen = [false; 4];
        loop {
            let clause = match self.peek() {
                Tok::Eof if seen.iter().any(|s| *s) => break,
                Tok::Ident(s) => s.to_ascii_uppercase(),
                _ => return Err(self.syntax()),
            };
            let idx = match clause.as_str() {
                "SET" => 0,
                "REMOVE" => 1,
                "ADD" => 2,
                "DELETE" => 3,
                _ => return Err(self.syntax()),
            };
            if seen[idx] {
                self.note(
                    Cat::Section,
                    format!(
                        "The \"{clause}\" section can only be used once in an update expression;"
                    ),
                );
            }
            seen[idx] = true;
            self.bump();
            loop {
                match idx {
                    0 => {
                        let p = self.path()?;
                        self.expect(Tok::Eq)?;
                        let v = self.set_value()?;
                        u.set.push((p, v));
                    }
                    1 => u.remove.push(self.path()?),
                    2 => {
                        let p = self.path()?;
                        let v = self.value()?;
                        self.check(Cat::Operand, checks::add_delete("ADD", &v));
                        u.add.push((p, v));
                    }
                    _ => {
                        let p = self.path()?;
                        let v = self.value()?;
                        self.check(Cat::Operand, checks::add_delete("DELETE", &v));
                        u.delete.push((p, v));
                    }
                }
                if *self.peek() == Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        Ok(u)
    }
}

/// Parses an UpdateExpression.
pub fn parse_update(src: &str, r: &mut Resolver) -> PResult<Update> {
    let mut p = Parser::new(src, r, Kind::Update)?;
    let u = p.update()?;
    p.at_eof()?;
    let mut refs: Vec<&Path> = Vec::new();
    refs.extend(u.set.iter().map(|(p, _)| p));
    refs.extend(u.remove.iter());
    refs.extend(u.add.iter().map(|(p, _)| p));
    refs.extend(u.delete.iter().map(|(p, _)| p));
    p.check_overlaps(&refs);
    p.report()?;
    Ok(u)
}
