//! IAM's stored state: the redb tables it owns and the versioned records in them. Roles,
//! managed policies and users are keyed `{account}/{lowercase name}` (IAM names are unique
//! per account regardless of case); access keys and role sessions by their access key id.
//!
//! Knows nothing of the wire protocol.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use cloudlet_store::StoreError;
use cloudlet_store::record;
use cloudlet_store::redb::{
    ReadTransaction, ReadableTable, TableDefinition, TableError, WriteTransaction,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A key/value tag on a role, policy or user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// An IAM role.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: i64,
    /// The trust policy, exactly as given.
    pub trust: String,
    pub description: Option<String>,
    pub max_session: i64,
    pub tags: Vec<Tag>,
    /// Inline policies: name → document.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached: Vec<String>,
}

impl Role {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:role{}{}", self.path, self.name)
    }
}

/// One version of a managed policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub id: String,
    pub document: String,
    pub created: i64,
}

/// A customer managed policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: i64,
    pub updated: i64,
    pub description: Option<String>,
    pub default_version: String,
    pub versions: Vec<PolicyVersion>,
    /// The number the next version gets (`v{n}`).
    pub next_version: u32,
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:policy{}{}", self.path, self.name)
    }
}

/// An IAM user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: i64,
    pub tags: Vec<Tag>,
    /// Inline policies: name → document.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    #[serde(default)]
    pub attached: Vec<String>,
}

impl User {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:user{}{}", self.path, self.name)
    }
}

/// A long-term access key of a user (`user: None` is a root key).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessKey {
    pub account: String,
    pub user: Option<String>,
    pub id: String,
    pub secret: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created: i64,
}

/// Who temporary credentials act as.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Owner {
    Role {
        name: String,
        id: String,
        session: String,
    },
    Root,
    User {
        name: String,
    },
}

/// Temporary credentials from `AssumeRole` or `GetSessionToken`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub account: String,
    pub owner: Owner,
    pub secret: String,
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expiration: i64,
}

/// A table of records of type `T`, keyed by string.
pub struct Table<T> {
    def: TableDefinition<'static, &'static str, &'static [u8]>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Table<T> {
    const fn new(name: &'static str) -> Table<T> {
        Table {
            def: TableDefinition::new(name),
            _t: PhantomData,
        }
    }
}

pub const ROLES: Table<Role> = Table::new("iam_roles");
pub const POLICIES: Table<ManagedPolicy> = Table::new("iam_policies");
pub const USERS: Table<User> = Table::new("iam_users");
pub const ACCESS_KEYS: Table<AccessKey> = Table::new("iam_access_keys");
pub const SESSIONS: Table<Session> = Table::new("iam_sessions");

/// The key of a named entity of `account`.
pub fn key(account: &str, name: &str) -> String {
    format!("{account}/{}", name.to_ascii_lowercase())
}

/// The key prefix of every named entity of `account`.
pub fn prefix(account: &str) -> String {
    format!("{account}/")
}

fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

fn get_in<T: DeserializeOwned>(
    t: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match t.get(key).map_err(db)? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

fn scan_in<T: DeserializeOwned>(
    t: &impl ReadableTable<&'static str, &'static [u8]>,
    prefix: &str,
) -> Result<Vec<(String, T)>, StoreError> {
    let mut out = Vec::new();
    for entry in t.range(prefix..).map_err(db)? {
        let (k, v) = entry.map_err(db)?;
        if !k.value().starts_with(prefix) {
            break;
        }
        out.push((k.value().to_string(), record::decode(v.value())?));
    }
    Ok(out)
}

impl<T: Serialize + DeserializeOwned> Table<T> {
    /// The record at `key` in a committed snapshot.
    pub fn read(&self, txn: &ReadTransaction, key: &str) -> Result<Option<T>, StoreError> {
        match txn.open_table(self.def) {
            Ok(t) => get_in(&t, key),
            Err(TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(db(e)),
        }
    }

    /// Every record whose key starts with `prefix`, in key order, in a committed snapshot.
    pub fn read_all(
        &self,
        txn: &ReadTransaction,
        prefix: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        match txn.open_table(self.def) {
            Ok(t) => scan_in(&t, prefix),
            Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(db(e)),
        }
    }

    /// The record at `key` inside a write transaction.
    pub fn get(&self, txn: &WriteTransaction, key: &str) -> Result<Option<T>, StoreError> {
        get_in(&txn.open_table(self.def).map_err(db)?, key)
    }

    /// Every record whose key starts with `prefix`, inside a write transaction.
    pub fn all(
        &self,
        txn: &WriteTransaction,
        prefix: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        scan_in(&txn.open_table(self.def).map_err(db)?, prefix)
    }

    pub fn put(&self, txn: &WriteTransaction, key: &str, value: &T) -> Result<(), StoreError> {
        let mut t = txn.open_table(self.def).map_err(db)?;
        t.insert(key, record::encode(value).as_slice())
            .map_err(db)?;
        Ok(())
    }

    pub fn remove(&self, txn: &WriteTransaction, key: &str) -> Result<(), StoreError> {
        let mut t = txn.open_table(self.def).map_err(db)?;
        t.remove(key).map_err(db)?;
        Ok(())
    }
}
