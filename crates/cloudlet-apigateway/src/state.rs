//! API Gateway's redb tables: one versioned record per REST API (`{account}/{region}/{id}`
//! → [`ApiDoc`]) and an index from API id to its owner (`{id}` → `{account}/{region}`),
//! which the data plane needs because browsers call `{id}.execute-api…` unsigned.
//!
//! Every change goes through `Store::write` (durable when it returns) and is a pure
//! function of the stored document, so group commit may replay it.

use cloudlet_store::redb::{ReadableTable, TableDefinition, TableError};
use cloudlet_store::{Store, StoreError, record};

use crate::error::ApiError;
use crate::model::ApiDoc;

const APIS: TableDefinition<&str, &[u8]> = TableDefinition::new("apigateway_apis");
const INDEX: TableDefinition<&str, &str> = TableDefinition::new("apigateway_index");

/// Where an API lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    fn key(&self, api: &str) -> String {
        format!("{}/{}/{api}", self.account, self.region)
    }
}

fn db(e: impl Into<StoreError>) -> ApiError {
    ApiError::Store(e.into())
}

/// The API `api` of `scope`, if any.
pub fn load(store: &Store, scope: &Scope, api: &str) -> Result<Option<ApiDoc>, ApiError> {
    let key = scope.key(api);
    store.read(|txn| {
        let table = match txn.open_table(APIS) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(db(e)),
        };
        match table.get(key.as_str()).map_err(db)? {
            Some(v) => Ok(Some(record::decode(v.value())?)),
            None => Ok(None),
        }
    })
}

/// The API `api` of `scope`, or `NotFoundException`.
pub fn get(store: &Store, scope: &Scope, api: &str) -> Result<ApiDoc, ApiError> {
    load(store, scope, api)?.ok_or_else(|| ApiError::api_not_found(&scope.account, api))
}

/// Every API of `scope`, oldest first.
pub fn list(store: &Store, scope: &Scope) -> Result<Vec<ApiDoc>, ApiError> {
    let prefix = scope.key("");
    let mut out: Vec<ApiDoc> = store.read(|txn| {
        let table = match txn.open_table(APIS) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(db(e)),
        };
        let mut out = Vec::new();
        for row in table.range(prefix.as_str()..).map_err(db)? {
            let (k, v) = row.map_err(db)?;
            if !k.value().starts_with(&prefix) {
                break;
            }
            out.push(record::decode::<ApiDoc>(v.value())?);
        }
        Ok::<_, ApiError>(out)
    })?;
    out.sort_by(|a, b| (a.api.created_date, &a.api.id).cmp(&(b.api.created_date, &b.api.id)));
    Ok(out)
}

/// The API with id `api` in any account and region (data plane), with its scope.
pub fn locate(store: &Store, api: &str) -> Result<Option<(Scope, ApiDoc)>, ApiError> {
    let owner = store.read(|txn| {
        let table = match txn.open_table(INDEX) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(db(e)),
        };
        Ok::<_, ApiError>(table.get(api).map_err(db)?.map(|v| v.value().to_string()))
    })?;
    let Some(owner) = owner else { return Ok(None) };
    let Some((account, region)) = owner.split_once('/') else {
        return Ok(None);
    };
    let scope = Scope {
        account: account.to_string(),
        region: region.to_string(),
    };
    Ok(load(store, &scope, api)?.map(|d| (scope, d)))
}

/// Stores a new API; fails with `ConflictException` if its id is taken anywhere.
pub async fn create(store: &Store, scope: &Scope, doc: ApiDoc) -> Result<(), ApiError> {
    let scope = scope.clone();
    store
        .write(move |txn| {
            let mut index = txn.open_table(INDEX).map_err(db)?;
            let id = doc.api.id.as_str();
            if index.get(id).map_err(db)?.is_some() {
                return Err(ApiError::Conflict(format!("API {id} already exists")));
            }
            let owner = format!("{}/{}", scope.account, scope.region);
            index.insert(id, owner.as_str()).map_err(db)?;
            let mut apis = txn.open_table(APIS).map_err(db)?;
            apis.insert(scope.key(id).as_str(), record::encode(&doc).as_slice())
                .map_err(db)?;
            Ok(())
        })
        .await
}

/// Applies `f` to the stored API and stores the result (nothing is stored if `f` fails).
pub async fn update<T, F>(store: &Store, scope: &Scope, api: &str, mut f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut ApiDoc) -> Result<T, ApiError> + Send + 'static,
{
    let scope = scope.clone();
    let api = api.to_string();
    store
        .write(move |txn| {
            let key = scope.key(&api);
            let mut apis = txn.open_table(APIS).map_err(db)?;
            let mut doc: ApiDoc = match apis.get(key.as_str()).map_err(db)? {
                Some(v) => record::decode(v.value())?,
                None => return Err(ApiError::api_not_found(&scope.account, &api)),
            };
            let out = f(&mut doc)?;
            apis.insert(key.as_str(), record::encode(&doc).as_slice())
                .map_err(db)?;
            Ok(out)
        })
        .await
}

/// Deletes an API and its index entry.
pub async fn delete(store: &Store, scope: &Scope, api: &str) -> Result<(), ApiError> {
    let scope = scope.clone();
    let api = api.to_string();
    store
        .write(move |txn| {
            let key = scope.key(&api);
            let mut apis = txn.open_table(APIS).map_err(db)?;
            if apis.remove(key.as_str()).map_err(db)?.is_none() {
                return Err(ApiError::api_not_found(&scope.account, &api));
            }
            let mut index = txn.open_table(INDEX).map_err(db)?;
            index.remove(api.as_str()).map_err(db)?;
            Ok(())
        })
        .await
}
