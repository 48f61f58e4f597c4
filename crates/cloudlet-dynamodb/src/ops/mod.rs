//! Execution of DynamoDB operations against the store: `tables` (control plane), `items`
//! (single-item reads and writes), `read` (Query and Scan), `batch` (batch and
//! transactional operations), plus the helpers they share.

pub mod batch;
pub mod capacity;
pub mod describe;
pub mod items;
pub mod keycond;
pub mod read;
pub mod tables;
pub mod update_checks;

use cloudlet_core::RequestContext;
use cloudlet_store::Store;
use serde_json::{Value, json};

use crate::error::DdbError;
use crate::protocol::{Body, Operation};
use crate::state::{self, TableMeta};

/// What every operation needs: the store and the caller's account and region.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub account: String,
    pub region: String,
}

impl Ctx<'_> {
    pub fn new<'a>(store: &'a Store, rc: &RequestContext) -> Ctx<'a> {
        Ctx {
            store,
            account: rc.account.as_str().to_string(),
            region: rc.region.as_str().to_string(),
        }
    }

    /// The table named `name`, or `err` if it does not exist.
    pub fn table_or(&self, name: &str, err: fn(&str) -> DdbError) -> Result<TableMeta, DdbError> {
        self.store
            .read(|txn| state::get_table(txn, &self.account, &self.region, name))?
            .ok_or_else(|| err(name))
    }

    /// The table for an item operation ("Requested resource not found" when missing).
    pub fn table(&self, name: &str) -> Result<TableMeta, DdbError> {
        self.table_or(name, |_| DdbError::not_found())
    }

    /// Resolves a table name or ARN (TagResource and friends take ARNs).
    pub fn table_by_arn(&self, arn: &str) -> Result<TableMeta, DdbError> {
        let name = arn
            .strip_prefix("arn:aws:dynamodb:")
            .and_then(|r| r.split_once(":table/"))
            .map(|(_, n)| n.split('/').next().unwrap_or(n))
            .ok_or_else(|| {
                DdbError::validation(format!(
                    "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
                ))
            })?;
        let meta = self.table_or(name, |_| DdbError::not_found())?;
        if !arn.starts_with(&meta.arn) {
            return Err(DdbError::ResourceNotFound(format!(
                "Requested resource not found: ResourcArn: {arn} not found"
            )));
        }
        Ok(meta)
    }
}

/// Runs one operation, returning the JSON response body.
pub async fn execute(ctx: &Ctx<'_>, op: Operation, body: Body) -> Result<Value, DdbError> {
    match op {
        Operation::CreateTable => tables::create_table(ctx, body).await,
        Operation::DescribeTable => tables::describe_table(ctx, body),
        Operation::ListTables => tables::list_tables(ctx, body),
        Operation::DeleteTable => tables::delete_table(ctx, body).await,
        Operation::UpdateTable => tables::update_table(ctx, body).await,
        Operation::PutItem => items::put_item(ctx, body).await,
        Operation::GetItem => items::get_item(ctx, body),
        Operation::DeleteItem => items::delete_item(ctx, body).await,
        Operation::UpdateItem => items::update_item(ctx, body).await,
        Operation::Query => read::query(ctx, body),
        Operation::Scan => read::scan(ctx, body),
        Operation::BatchGetItem => batch::batch_get(ctx, body),
        Operation::BatchWriteItem => batch::batch_write(ctx, body).await,
        Operation::TransactWriteItems => batch::transact_write(ctx, body).await,
        Operation::TransactGetItems => batch::transact_get(ctx, body),
        Operation::DescribeTimeToLive => tables::describe_ttl(ctx, body),
        Operation::UpdateTimeToLive => tables::update_ttl(ctx, body).await,
        Operation::TagResource => tables::tag_resource(ctx, body).await,
        Operation::UntagResource => tables::untag_resource(ctx, body).await,
        Operation::ListTagsOfResource => tables::list_tags(ctx, body),
        Operation::DescribeLimits => Ok(json!({
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000
        })),
        Operation::DescribeEndpoints => Ok(json!({
            "Endpoints": [{
                "Address": format!("dynamodb.{}.amazonaws.com", ctx.region),
                "CachePeriodInMinutes": 1440
            }]
        })),
    }
}

/// Seconds since the epoch, as DynamoDB's timestamps.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_millis() as f64) / 1000.0)
        .unwrap_or(0.0)
}
