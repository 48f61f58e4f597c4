//! DynamoDB expressions: condition, key-condition, filter, projection and update
//! expressions are lexed and parsed into an AST (`ast`, `lexer`, `parser`), with
//! `#name`/`:value` placeholders resolved and their use tracked (`resolve`), then evaluated
//! by pure functions over items (`eval`, `update`).
//!
//! Nothing here touches storage or the wire.

pub mod ast;
pub mod checks;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod resolve;
pub mod update;

pub use ast::{Cond, Path, PathElem, Update};
pub use resolve::Resolver;
