//! The shared vocabulary of cloudlet: identifiers (accounts, regions, ARNs, request ids),
//! principals, the AWS error type and its wire renderings, the one handler shape every
//! service implements, and the narrow traits services use to reach one another.
//!
//! This crate does no I/O and knows no service's operations.

pub mod body;
pub mod error;
pub mod ids;
pub mod principal;
pub mod service;
pub mod time;
pub mod traits;
pub mod xml;

pub use body::Body;
pub use error::{AwsError, Protocol};
pub use ids::{AccountId, Arn, Region, RequestId};
pub use principal::Principal;
pub use service::{
    BoxFuture, HostLabel, Request, RequestContext, Response, Service, ServiceId, SignedIn,
};
