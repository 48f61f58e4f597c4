//! API Gateway (REST v1): APIs, resources, methods, integrations, deployments and stages
//! (the REST-JSON control plane under `/restapis`), the console's TestInvokeMethod, and the
//! execute-api data plane that serves deployed APIs (MOCK and Lambda integrations).
//!
//! Registered twice: for `ServiceId::ApiGateway` (control plane) and
//! `ServiceId::ExecuteApi` (data plane). Lambda is reached only through
//! `cloudlet_core::traits::LambdaInvoker`.

mod dataplane;
mod error;
mod execute;
mod mapping;
mod model;
mod ops_api;
mod ops_method;
mod ops_stage;
mod patch;
pub mod protocol;
pub mod proxy;
mod router;
mod selection;
mod state;
mod testinvoke;
mod util;
mod vtl;

use std::sync::Arc;

use cloudlet_core::traits::LambdaInvoker;
use cloudlet_core::{
    AwsError, BoxFuture, Request, RequestContext, Response, Service, ServiceId, body,
};
use cloudlet_store::Store;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

pub use error::ApiError;
use protocol::Op;
use state::Scope;

/// The largest control-plane request body accepted.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The API Gateway service (control plane and data plane).
pub struct ApiGateway {
    store: Store,
    invoker: Arc<dyn LambdaInvoker>,
}

impl ApiGateway {
    /// `invoker` runs Lambda functions for AWS_PROXY and AWS (Lambda) integrations.
    pub fn new(store: Store, invoker: Arc<dyn LambdaInvoker>) -> Arc<ApiGateway> {
        Arc::new(ApiGateway { store, invoker })
    }
}

/// What an operation needs: the store, the caller's account/region and the invoker.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub scope: Scope,
    pub rc: &'a RequestContext,
    pub invoker: &'a dyn LambdaInvoker,
}

/// An operation's successful answer: a status and an optional JSON body.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
        }
    }
    pub fn empty(status: u16) -> Reply {
        Reply { status, body: None }
    }

    fn into_response(self) -> Response {
        let bytes = self.body.map(|b| b.to_string()).unwrap_or_default();
        let mut resp = Response::new(body::full(bytes));
        *resp.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

impl ApiGateway {
    async fn control(&self, rc: RequestContext, req: Request) -> Result<Response, ApiError> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = req.uri().query().map(str::to_string);
        let bytes = body::collect(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| ApiError::bad(e.to_string()))?;
        let op = protocol::parse(&method, &path, query.as_deref(), &bytes)?;
        let ctx = Ctx {
            store: &self.store,
            scope: Scope {
                account: rc.account.to_string(),
                region: rc.region.to_string(),
            },
            rc: &rc,
            invoker: self.invoker.as_ref(),
        };
        let reply = dispatch(&ctx, op).await?;
        Ok(reply.into_response())
    }
}

async fn dispatch(ctx: &Ctx<'_>, op: Op) -> Result<Reply, ApiError> {
    match op {
        Op::CreateRestApi(input) => ops_api::create_rest_api(ctx, input).await,
        Op::GetRestApis => ops_api::get_rest_apis(ctx),
        Op::GetRestApi(api) => ops_api::get_rest_api(ctx, &api),
        Op::UpdateRestApi(api, ops) => ops_api::update_rest_api(ctx, &api, ops).await,
        Op::DeleteRestApi(api) => ops_api::delete_rest_api(ctx, &api).await,
        Op::GetResources { api, embed_methods } => ops_api::get_resources(ctx, &api, embed_methods),
        Op::GetResource {
            api,
            resource,
            embed_methods,
        } => ops_api::get_resource(ctx, &api, &resource, embed_methods),
        Op::CreateResource { api, parent, input } => {
            ops_api::create_resource(ctx, &api, &parent, input).await
        }
        Op::UpdateResource {
            api,
            resource,
            patch,
        } => ops_api::update_resource(ctx, &api, &resource, patch).await,
        Op::DeleteResource { api, resource } => {
            ops_api::delete_resource(ctx, &api, &resource).await
        }
        Op::PutMethod(key, input) => ops_method::put_method(ctx, key, input).await,
        Op::GetMethod(key) => ops_method::get_method(ctx, &key),
        Op::UpdateMethod(key, ops) => ops_method::update_method(ctx, key, ops).await,
        Op::DeleteMethod(key) => ops_method::delete_method(ctx, key).await,
        Op::TestInvokeMethod(key, input) => testinvoke::test_invoke(ctx, &key, input).await,
        Op::PutMethodResponse(key, status, input) => {
            ops_method::put_method_response(ctx, key, status, input).await
        }
        Op::GetMethodResponse(key, status) => ops_method::get_method_response(ctx, &key, &status),
        Op::DeleteMethodResponse(key, status) => {
            ops_method::delete_method_response(ctx, key, status).await
        }
        Op::PutIntegration(key, input) => ops_method::put_integration(ctx, key, input).await,
        Op::GetIntegration(key) => ops_method::get_integration(ctx, &key),
        Op::UpdateIntegration(key, ops) => ops_method::update_integration(ctx, key, ops).await,
        Op::DeleteIntegration(key) => ops_method::delete_integration(ctx, key).await,
        Op::PutIntegrationResponse(key, status, input) => {
            ops_method::put_integration_response(ctx, key, status, input).await
        }
        Op::GetIntegrationResponse(key, status) => {
            ops_method::get_integration_response(ctx, &key, &status)
        }
        Op::UpdateIntegrationResponse(key, status, ops) => {
            ops_method::update_integration_response(ctx, key, status, ops).await
        }
        Op::DeleteIntegrationResponse(key, status) => {
            ops_method::delete_integration_response(ctx, key, status).await
        }
        Op::CreateDeployment(api, input) => ops_stage::create_deployment(ctx, &api, input).await,
        Op::GetDeployments(api) => ops_stage::get_deployments(ctx, &api),
        Op::GetDeployment(api, id) => ops_stage::get_deployment(ctx, &api, &id),
        Op::DeleteDeployment(api, id) => ops_stage::delete_deployment(ctx, &api, &id).await,
        Op::CreateStage(api, input) => ops_stage::create_stage(ctx, &api, input).await,
        Op::GetStages { api, deployment } => {
            ops_stage::get_stages(ctx, &api, deployment.as_deref())
        }
        Op::GetStage(api, name) => ops_stage::get_stage(ctx, &api, &name),
        Op::UpdateStage(api, name, ops) => ops_stage::update_stage(ctx, &api, &name, ops).await,
        Op::DeleteStage(api, name) => ops_stage::delete_stage(ctx, &api, &name).await,
    }
}

impl Service for ApiGateway {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move {
            if ctx.service == ServiceId::ExecuteApi {
                dataplane::handle(self, ctx, req).await
            } else {
                self.control(ctx, req).await.map_err(AwsError::from)
            }
        })
    }
}
