//! What the expression targets share: a resolver with a few names and values of every
//! type, and an item of every type to evaluate against.

use cloudlet_dynamodb::expr::Resolver;
use cloudlet_dynamodb::protocol::ExprInput;
use cloudlet_dynamodb::value::{Item, parse_item};
use serde_json::json;

pub fn resolver() -> Resolver {
    let names = [("#a", "a"), ("#b", "b"), ("#k", "pk"), ("#s", "size")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let values = parse_item(&json!({
        ":s": {"S": "ab"}, ":e": {"S": ""}, ":n": {"N": "-1.5"}, ":z": {"N": "0"},
        ":b": {"B": "AAE="}, ":t": {"S": "SS"}, ":ss": {"SS": ["a", "b"]},
        ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": ["AA=="]}, ":l": {"L": [{"N": "1"}]},
        ":m": {"M": {"x": {"S": "y"}}}, ":t1": {"BOOL": true}, ":nu": {"NULL": true},
        ":big": {"N": "9.9999999999999999999999999999999999999E+125"}
    }))
    .expect("fixed values parse");
    Resolver::new(&ExprInput {
        names: Some(names),
        values: Some(values),
    })
    .expect("fixed resolver")
}

pub fn item() -> Item {
    parse_item(&json!({
        "pk": {"S": "abc"}, "a": {"N": "10"}, "b": {"L": [{"S": "x"}, {"M": {"c": {"N": "1"}}}]},
        "size": {"SS": ["a", "b"]}, "m": {"M": {"a": {"NS": ["1"]}, "b": {"BS": ["AA=="]}}},
        "bin": {"B": "AAEC"}, "t": {"BOOL": false}, "nul": {"NULL": true},
        "big": {"N": "9.9999999999999999999999999999999999999E+125"}
    }))
    .expect("fixed item parses")
}
