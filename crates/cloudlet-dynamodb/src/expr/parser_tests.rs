//! Table-driven tests of the expression parsers: ASTs and DynamoDB's exact messages for
//! syntax errors, placeholders, reserved words, functions and document paths.
use super::*;
use crate::protocol::ExprInput;
use crate::value::AttrValue;

fn resolver() -> Resolver {
    let mut names = std::collections::BTreeMap::new();
    names.insert("#s".to_string(), "status".to_string());
    names.insert("#n".to_string(), "name".to_string());
    let mut values = crate::value::Item::new();
    values.insert(":v".into(), AttrValue::S("x".into()));
    values.insert(
        ":n".into(),
        AttrValue::N(crate::number::Number::from_i64(1)),
    );
    values.insert(":ss".into(), AttrValue::Ss(vec!["a".into()]));
    values.insert(":t".into(), AttrValue::S("N".into()));
    Resolver::new(&ExprInput {
        names: Some(names),
        values: Some(values),
    })
    .unwrap()
}

/// Parses `src` as `kind` and compares the Debug rendering (or the error message).
fn check(kind: Kind, src: &str, want: Result<&str, &str>) {
    let mut r = resolver();
    let got = match kind {
        Kind::Update => parse_update(src, &mut r).map(|u| format!("{u:?}")),
        Kind::Projection => parse_projection(src, &mut r).map(|p| format!("{p:?}")),
        _ => parse_condition(src, kind, &mut r).map(|c| format!("{c:?}")),
    };
    let got = got.map_err(|e| e.to_string());
    assert_eq!(
        got.as_deref().map_err(String::as_str),
        want,
        "{kind:?} {src:?}"
    );
}

#[test]
fn conditions() {
    use Kind::Condition as C;
    check(
        C,
        "a = :v",
        Ok(r#"Cmp(Eq, Path([Attr("a")]), Value(S("x")))"#),
    );
    check(
        C,
        "#s <> :v AND NOT attribute_exists(b.c[1])",
        Ok(
            r#"And(Cmp(Ne, Path([Attr("status")]), Value(S("x"))), Not(Exists([Attr("b"), Attr("c"), Index(1)])))"#,
        ),
    );
    check(
        C,
        "a = :v OR b = :v AND c = :v",
        Ok(
            r#"Or(Cmp(Eq, Path([Attr("a")]), Value(S("x"))), And(Cmp(Eq, Path([Attr("b")]), Value(S("x"))), Cmp(Eq, Path([Attr("c")]), Value(S("x")))))"#,
        ),
    );
    check(
        C,
        "size(a) between :n and :n",
        Ok(
            r#"Between(Size([Attr("a")]), Value(N(Number { mantissa: 1, exp: 0 })), Value(N(Number { mantissa: 1, exp: 0 })))"#,
        ),
    );
    check(
        C,
        "a IN (:v, :n)",
        Ok(r#"In(Path([Attr("a")]), [Value(S("x")), Value(N(Number { mantissa: 1, exp: 0 }))])"#),
    );
    check(
        C,
        "status = :v",
        Err(
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
        ),
    );
    check(
        C,
        "a = :nope",
        Err(
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
        ),
    );
    check(
        C,
        "#x = :v",
        Err(
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
        ),
    );
    check(
        C,
        "a = = :v",
        Err(r#"Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v""#),
    );
    check(
        C,
        "a =",
        Err(r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "=""#),
    );
    check(
        C,
        "   ",
        Err("Invalid ConditionExpression: The expression can not be empty;"),
    );
    check(
        C,
        "foo(a)",
        Err("Invalid ConditionExpression: Invalid function name; function: foo"),
    );
    check(
        C,
        "size(a)",
        Err(
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
        ),
    );
    check(
        C,
        "a-b = :v",
        Err(r#"Invalid ConditionExpression: Syntax error; token: "-", near: "a-b""#),
    );
}

#[test]
fn condition_syntax_errors() {
    let cases: &[(Kind, &str, &str)] = &[
        (
            Kind::Condition,
            "a = :v AND",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND""#,
        ),
        (
            Kind::Condition,
            "a = :v b",
            r#"Invalid ConditionExpression: Syntax error; token: "b", near: ":v b""#,
        ),
        (
            Kind::Condition,
            "(a = :v",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v""#,
        ),
        (
            Kind::Condition,
            "a = :v)",
            r#"Invalid ConditionExpression: Syntax error; token: ")", near: ":v)""#,
        ),
        (
            Kind::Condition,
            "a BETWEEN :v",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v""#,
        ),
        (
            Kind::Condition,
            "a BETWEEN :v OR :n",
            r#"Invalid ConditionExpression: Syntax error; token: "OR", near: ":v OR :n""#,
        ),
        (
            Kind::Condition,
            "a IN :v",
            r#"Invalid ConditionExpression: Syntax error; token: ":v", near: "IN :v""#,
        ),
        (
            Kind::Condition,
            "a IN ()",
            r#"Invalid ConditionExpression: Syntax error; token: ")", near: "()""#,
        ),
        (
            Kind::Condition,
            "a",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "a""#,
        ),
        (
            Kind::Condition,
            "a.",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ".""#,
        ),
        (
            Kind::Condition,
            "a[x] = :v",
            r#"Invalid ConditionExpression: Syntax error; token: "x", near: "[x]""#,
        ),
        (
            Kind::Condition,
            "a = :v & b",
            r#"Invalid ConditionExpression: Syntax error; token: "&", near: "&""#,
        ),
        (
            Kind::Condition,
            "a = #",
            r##"Invalid ConditionExpression: Syntax error; token: "#", near: "#""##,
        ),
        (
            Kind::Condition,
            "a = : v",
            r#"Invalid ConditionExpression: Syntax error; token: ":", near: ":""#,
        ),
        (
            Kind::Condition,
            "NOT",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "NOT""#,
        ),
        (
            Kind::Condition,
            "a = :v AND AND b = :v",
            r#"Invalid ConditionExpression: Syntax error; token: "AND", near: "AND AND b""#,
        ),
        // Only ASCII whitespace separates tokens; a multi-byte character before a bad
        // one made "near" cut a character in two (found by fuzzing: this panicked).
        (
            Kind::Condition,
            "\u{85}S%",
            "Invalid ConditionExpression: Syntax error; token: \"\u{85}\", near: \"\u{85}\"",
        ),
        (
            Kind::Update,
            "SET é%",
            r#"Invalid UpdateExpression: Syntax error; token: "é", near: "é""#,
        ),
        (
            Kind::Condition,
            "a = é",
            r#"Invalid ConditionExpression: Syntax error; token: "é", near: "é""#,
        ),
        (
            Kind::KeyCondition,
            "pk = :v AND",
            r#"Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND""#,
        ),
        (
            Kind::Filter,
            "a <> ",
            r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "<>""#,
        ),
        (
            Kind::Filter,
            "",
            "Invalid FilterExpression: The expression can not be empty;",
        ),
    ];
    for (kind, src, want) in cases {
        check(*kind, src, Err(want));
    }
}

#[test]
fn functions_and_reserved_words() {
    use Kind::Condition as C;
    let cases: &[(Kind, &str, &str)] = &[
        (
            C,
            "Size(a) = :n",
            "Invalid ConditionExpression: Invalid function name; function: Size",
        ),
        (
            C,
            "if_not_exists(a, :v)",
            "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            C,
            "list_append(a, :v)",
            "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append",
        ),
        (
            C,
            "a = begins_with(b, :v)",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: begins_with",
        ),
        (
            C,
            "size(a) IN (contains(b, :v))",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: contains",
        ),
        (
            C,
            "attribute_exists(:v)",
            "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            C,
            "attribute_not_exists(size(a))",
            "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_not_exists",
        ),
        (
            C,
            "attribute_exists(a, b)",
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
        ),
        (
            C,
            "contains(a)",
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1",
        ),
        (
            C,
            "size(a, b) > :n",
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
        ),
        (
            C,
            "size(:n) > :n",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            C,
            "a = a",
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
        ),
        (
            C,
            "a.b[1] <= a.b[1]",
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: <=, first operand: [a, b, [1]]",
        ),
        (
            C,
            "contains(#s, status)",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
        ),
        (
            C,
            "contains(#n, #n)",
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [name]",
        ),
        (
            C,
            "begins_with(a, :n)",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            C,
            "begins_with(:ss, a)",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: SS",
        ),
        (
            C,
            "attribute_type(a, :n)",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
        ),
        (
            C,
            "attribute_type(a, b)",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
        ),
        (
            C,
            "attribute_type(a, :v)",
            "Invalid ConditionExpression: Invalid attribute type name found; type: x, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            C,
            "a BETWEEN :n AND :v",
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}",
        ),
        (
            C,
            "((a = :v))",
            "Invalid ConditionExpression: The expression has redundant parentheses;",
        ),
        (
            C,
            "NOT ((a = :v))",
            "Invalid ConditionExpression: The expression has redundant parentheses;",
        ),
        (
            Kind::Update,
            "SET a = :v + b",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
        ),
        (
            Kind::Update,
            "SET a = b - :ss",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: SS",
        ),
        (
            Kind::Update,
            "SET a = list_append(:n, b)",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N",
        ),
        (
            Kind::Update,
            "SET a = list_append(b)",
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
        ),
        (
            Kind::Update,
            "SET a = if_not_exists(:v, b)",
            "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            Kind::Update,
            "ADD a :v",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
        ),
        (
            Kind::Update,
            "DELETE a :n",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
        ),
        (
            C,
            "DATA = :v",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: DATA",
        ),
        (
            C,
            "a.Count = :v",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Count",
        ),
        (
            C,
            "size(value) > :n",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: value",
        ),
        (
            Kind::Projection,
            "id, name",
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
        ),
        (
            Kind::Update,
            "SET a = size(b)",
            "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
        ),
        (
            Kind::Update,
            "SET a = nope(b)",
            "Invalid UpdateExpression: Invalid function name; function: nope",
        ),
        (
            Kind::Update,
            "SET year = :v",
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: year",
        ),
    ];
    for (kind, src, want) in cases {
        check(*kind, src, Err(want));
    }
    // Placeholders stand in for reserved words; keywords are case-insensitive.
    check(
        C,
        "#s = :v and not #n in (:v)",
        Ok(
            r#"And(Cmp(Eq, Path([Attr("status")]), Value(S("x"))), Not(In(Path([Attr("name")]), [Value(S("x"))])))"#,
        ),
    );
    check(
        C,
        "attribute_type(a, :t) OR begins_with(a, :v) OR contains(a[0].b, :n)",
        Ok(
            r#"Or(Or(Type([Attr("a")], Value(S("N"))), BeginsWith(Path([Attr("a")]), Value(S("x")))), Contains(Path([Attr("a"), Index(0), Attr("b")]), Value(N(Number { mantissa: 1, exp: 0 }))))"#,
        ),
    );
}

/// Runs the expressions of one request through one resolver, then `finish`.
fn check_placeholders(
    names: &[(&str, &str)],
    values: &[&str],
    exprs: &[(Kind, &str)],
    want: Result<(), &str>,
) {
    let input = ExprInput {
        names: (!names.is_empty()).then(|| {
            names
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }),
        values: (!values.is_empty()).then(|| {
            values
                .iter()
                .map(|k| (k.to_string(), AttrValue::S("x".into())))
                .collect()
        }),
    };
    let got = Resolver::new(&input).and_then(|mut r| {
        for (kind, src) in exprs {
            match kind {
                Kind::Update => parse_update(src, &mut r).map(|_| ())?,
                Kind::Projection => parse_projection(src, &mut r).map(|_| ())?,
                k => parse_condition(src, *k, &mut r).map(|_| ())?,
            }
        }
        r.finish(&[("ConditionExpression", !exprs.is_empty())])
    });
    assert_eq!(
        got.map_err(|e| e.to_string()),
        want.map_err(str::to_string),
        "{exprs:?}"
    );
}

#[test]
fn placeholders_must_be_defined_and_used() {
    use Kind::*;
    check_placeholders(&[("#a", "a")], &[":x"], &[(Condition, "#a = :x")], Ok(()));
    // Used by any expression of the request counts.
    check_placeholders(
        &[("#a", "a"), ("#b", "b")],
        &[":x", ":y"],
        &[(Update, "SET #a = :x"), (Condition, "#b <> :y")],
        Ok(()),
    );
    check_placeholders(
        &[],
        &[":x", ":y"],
        &[(Condition, "a = :x")],
        Err("Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"),
    );
    check_placeholders(
        &[("#a", "a"), ("#b", "b"), ("#c", "c")],
        &[],
        &[(Projection, "#b")],
        Err("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #c}"),
    );
    check_placeholders(
        &[],
        &[":x"],
        &[(Condition, "a = :y")],
        Err(
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :y",
        ),
    );
    check_placeholders(
        &[],
        &[],
        &[(Update, "SET a = :x")],
        Err(
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :x",
        ),
    );
    check_placeholders(
        &[("#a", "a")],
        &[],
        &[(KeyCondition, "#b = :x")],
        Err(
            "Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #b",
        ),
    );
    check_placeholders(
        &[("#a", "a")],
        &[],
        &[],
        Err("ExpressionAttributeNames can only be specified when using expressions"),
    );
    check_placeholders(
        &[],
        &[":x"],
        &[],
        Err(
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
        ),
    );
    check_placeholders(
        &[("a", "a")],
        &[],
        &[],
        Err(r#"ExpressionAttributeNames contains invalid key: Syntax error; key: "a""#),
    );
    check_placeholders(
        &[],
        &["x"],
        &[],
        Err(r#"ExpressionAttributeValues contains invalid key: Syntax error; key: "x""#),
    );
}

#[test]
fn updates() {
    use Kind::Update as U;
    check(
        U,
        "SET a = a + :n, b = if_not_exists(b, :v) REMOVE c[0] ADD d :n DELETE e :ss",
        Ok(
            r#"Update { set: [([Attr("a")], Plus(Path([Attr("a")]), Value(N(Number { mantissa: 1, exp: 0 })))), ([Attr("b")], Operand(IfNotExists([Attr("b")], Value(S("x")))))], remove: [[Attr("c"), Index(0)]], add: [([Attr("d")], N(Number { mantissa: 1, exp: 0 }))], delete: [([Attr("e")], Ss(["a"]))] }"#,
        ),
    );
    check(
        U,
        "set l = list_append(l, m)",
        Ok(
            r#"Update { set: [([Attr("l")], Operand(ListAppend(Path([Attr("l")]), Path([Attr("m")]))))], remove: [], add: [], delete: [] }"#,
        ),
    );
    check(
        U,
        "SET a = :v SET b = :v",
        Err(
            r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#,
        ),
    );
    check(
        U,
        "SET a = :v REMOVE a.b",
        Err(
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
    );
    check(
        U,
        "SET a[1] = :v REMOVE a.b",
        Err(
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]",
        ),
    );
    check(
        U,
        "SET a = :v, b",
        Err(r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "b""#),
    );
    check(
        U,
        "SET a = :v, a = :n",
        Err(
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
    );
    check(
        U,
        "SET a.b[2].c = :v ADD a.b[2] :n",
        Err(
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [2], c], path two: [a, b, [2]]",
        ),
    );
    check(
        U,
        "REMOVE a.b DELETE a[0] :ss",
        Err(
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]",
        ),
    );
    // Siblings neither overlap nor conflict.
    check(
        U,
        "SET a.b = :v, a.c = :v REMOVE l[0], l[1]",
        Ok(
            r#"Update { set: [([Attr("a"), Attr("b")], Operand(Value(S("x")))), ([Attr("a"), Attr("c")], Operand(Value(S("x"))))], remove: [[Attr("l"), Index(0)], [Attr("l"), Index(1)]], add: [], delete: [] }"#,
        ),
    );
    check(
        U,
        "REMOVE a ADD b :n SET c = :v DELETE d :ss",
        Ok(
            r#"Update { set: [([Attr("c")], Operand(Value(S("x"))))], remove: [[Attr("a")]], add: [([Attr("b")], N(Number { mantissa: 1, exp: 0 }))], delete: [([Attr("d")], Ss(["a"]))] }"#,
        ),
    );
    check(
        U,
        "SET a = b - if_not_exists(c, :n)",
        Ok(
            r#"Update { set: [([Attr("a")], Minus(Path([Attr("b")]), IfNotExists([Attr("c")], Value(N(Number { mantissa: 1, exp: 0 })))))], remove: [], add: [], delete: [] }"#,
        ),
    );
    let syntax: &[(&str, &str)] = &[
        (
            "SET",
            r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET""#,
        ),
        (
            "SET a = :v,",
            r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#,
        ),
        (
            "SET a :v",
            r#"Invalid UpdateExpression: Syntax error; token: ":v", near: "a :v""#,
        ),
        (
            "SET a = :n + :n + :n",
            r#"Invalid UpdateExpression: Syntax error; token: "+", near: ":n + :n""#,
        ),
        (
            "ADD a",
            r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a""#,
        ),
        (
            "ADD a b",
            r#"Invalid UpdateExpression: Syntax error; token: "b", near: "a b""#,
        ),
        (
            "REMOVE a = :v",
            r#"Invalid UpdateExpression: Syntax error; token: "=", near: "a = :v""#,
        ),
        (
            "DELETE a :ss, ",
            r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#,
        ),
        (
            "remove a REMOVE b",
            r#"Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;"#,
        ),
    ];
    for (src, want) in syntax {
        check(U, src, Err(want));
    }
    check(
        U,
        "UPSERT a = :v",
        Err(r#"Invalid UpdateExpression: Syntax error; token: "UPSERT", near: "UPSERT a""#),
    );
}

#[test]
fn projections() {
    check(
        Kind::Projection,
        "a, #n.b[2]",
        Ok(r#"[[Attr("a")], [Attr("name"), Attr("b"), Index(2)]]"#),
    );
    check(
        Kind::Projection,
        "a, a",
        Err(
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
    );
}

/// With several errors in one expression, DynamoDB reports a syntax error first, then
/// the most important of the others, in an order that depends on the expression kind.
#[test]
fn error_precedence() {
    use Kind::{Condition as C, Projection as P, Update as U};
    let cases: &[(Kind, &str, &str)] = &[
        (
            U,
            "SET year = :nope,",
            r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#,
        ),
        (
            C,
            "views = :nope AND",
            r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND""#,
        ),
        (
            C,
            "a > 4",
            r#"Invalid ConditionExpression: Syntax error; token: "4", near: "> 4""#,
        ),
        (
            C,
            "size(a).b > a",
            r#"Invalid ConditionExpression: Syntax error; token: ".", near: ").b""#,
        ),
        (
            C,
            "(size(a)).b > a",
            r#"Invalid ConditionExpression: Syntax error; token: ".", near: ").b""#,
        ),
        (
            C,
            "a.(b) = :v",
            r#"Invalid ConditionExpression: Syntax error; token: "(", near: ".(b""#,
        ),
        // Conditions: parentheses, function names, misused functions, reserved words, then
        // the first condition with an undefined placeholder, operand count, repeated
        // operand or operand type.
        (
            C,
            "a > whatever((:v), ((a)))",
            "Invalid ConditionExpression: The expression has redundant parentheses;",
        ),
        (
            C,
            "a = a AND whatever((:nope)) > a",
            "Invalid ConditionExpression: Invalid function name; function: whatever",
        ),
        (
            C,
            "attRIbute_exIsts((views), #n)",
            "Invalid ConditionExpression: Invalid function name; function: attRIbute_exIsts",
        ),
        (
            C,
            "a = a AND attribute_exists((views), (#n)) > b",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
        ),
        (
            C,
            "contains(:nope, c) > b",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: contains",
        ),
        (
            C,
            "a BETWEEN b AND attribute_exists(c)",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
        ),
        (
            C,
            "a IN (b, attribute_exists(c))",
            "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
        ),
        (
            C,
            "attribute_exists(views, #n)",
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: views",
        ),
        (
            C,
            "attribute_exists(#nope.b, :v) AND a = a",
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope",
        ),
        (
            C,
            "begins_with(:hello, #x, #y)",
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :hello",
        ),
        (
            C,
            "a = a AND #n = b AND :nope > a",
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
        ),
        (
            C,
            "attribute_exists(b, c) AND a = a",
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
        ),
        (
            C,
            "attribute_type(a, size(a)) AND a = a",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
        ),
        (
            C,
            "attribute_type(x.y[1].a, x.y[1].a)",
            "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: attribute_type, first operand: [x, y, [1], a]",
        ),
        (
            C,
            "begins_with(a, size(a))",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            C,
            "size(size(a)) > :n",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            C,
            "attribute_not_exists(size(:n))",
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            C,
            "attribute_not_exists(size(:v))",
            "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_not_exists",
        ),
        // Updates: reserved words, function names, repeated sections, names, values,
        // overlapping then conflicting paths, ADD/DELETE operand types, function checks.
        (
            U,
            "SET a = :nope, year = :v",
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: year",
        ),
        (
            U,
            "SET a = nope(b) REMOVE year",
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: year",
        ),
        (
            U,
            "SET a = nope(b), a = :v",
            "Invalid UpdateExpression: Invalid function name; function: nope",
        ),
        (
            U,
            "SET a = :v SET b = :nope",
            r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#,
        ),
        (
            U,
            "SET a = :nope, #x = :v",
            "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
        ),
        (
            U,
            "SET a = :v, a.b = :v ADD c :v",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        (
            U,
            "SET a[0] = :v, a.b = :v, c = :v, c = :v",
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c]",
        ),
        (
            U,
            "ADD c :v SET d = :v + :n",
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
        ),
        // Projections: reserved words, names, overlaps, conflicts.
        (
            P,
            "a, #nope, name",
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
        ),
        (
            P,
            "#nope, a, a",
            "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope",
        ),
        (
            P,
            "a[0], a.b, c, c",
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c]",
        ),
    ];
    for (kind, src, want) in cases {
        check(*kind, src, Err(want));
    }
    // Parentheses may group operands and the start of paths.
    check(
        C,
        "(a)between(:n)and(:n)",
        Ok(
            r#"Between(Path([Attr("a")]), Value(N(Number { mantissa: 1, exp: 0 })), Value(N(Number { mantissa: 1, exp: 0 })))"#,
        ),
    );
    check(
        C,
        "(a.b)[1] = (:v) AND (size(c) > :n)",
        Ok(
            r#"And(Cmp(Eq, Path([Attr("a"), Attr("b"), Index(1)]), Value(S("x"))), Cmp(Gt, Size([Attr("c")]), Value(N(Number { mantissa: 1, exp: 0 }))))"#,
        ),
    );
    check(
        C,
        "size(:v) = :n",
        Ok(
            r#"Cmp(Eq, Value(N(Number { mantissa: 1, exp: 0 })), Value(N(Number { mantissa: 1, exp: 0 })))"#,
        ),
    );
    check(
        U,
        "SET a = (b + :n), c = (:v)",
        Ok(
            r#"Update { set: [([Attr("a")], Plus(Path([Attr("b")]), Value(N(Number { mantissa: 1, exp: 0 })))), ([Attr("c")], Operand(Value(S("x"))))], remove: [], add: [], delete: [] }"#,
        ),
    );
    check(
        P,
        "(a.b)[0], c",
        Ok(r#"[[Attr("a"), Attr("b"), Index(0)], [Attr("c")]]"#),
    );
}
