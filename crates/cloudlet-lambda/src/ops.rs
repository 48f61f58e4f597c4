//! Executes Lambda's control-plane operations (functions, code, configuration,
//! permissions) against the store, and shapes AWS's JSON results.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use cloudlet_core::{AccountId, Region};
use serde_json::{Value, json};
use sha2::Digest;

use crate::Inner;
use crate::error::LambdaError;
use crate::invoke::RESERVED_ENV;
use crate::names::{self, FunctionRef};
use crate::policy;
use crate::protocol::{CreateInput, EnvIn, UpdateCodeInput, UpdateConfigInput};
use crate::state::{self, FunctionRec};

/// The runtimes cloudlet runs.
pub const RUNTIMES: [&str; 8] = [
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "provided.al2",
    "provided.al2023",
];

/// Runtimes AWS knows but cloudlet does not run.
const OTHER_RUNTIMES: [&str; 14] = [
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "java11",
    "java17",
    "java21",
    "java8.al2",
    "dotnet6",
    "dotnet8",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "provided",
    "python3.14",
];

const ROLE_PATTERN: &str = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";

/// Who is asking, and where.
pub struct Scope<'a> {
    pub account: &'a AccountId,
    pub region: &'a Region,
    pub endpoint: &'a str,
}

impl Scope<'_> {
    fn arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// The stored function a reference names, or AWS's not-found error.
pub fn resolve(
    inner: &Inner,
    s: &Scope<'_>,
    reference: &str,
    qualifier: Option<&str>,
) -> Result<FunctionRec, LambdaError> {
    let r: FunctionRef = names::parse(reference, "functionName")?;
    let qual = qualifier.map(str::to_string).or(r.qualifier.clone());
    let mut arn = match (&r.region, &r.account) {
        (Some(reg), Some(acct)) => format!("arn:aws:lambda:{reg}:{acct}:function:{}", r.name),
        (None, Some(acct)) => format!("arn:aws:lambda:{}:{acct}:function:{}", s.region, r.name),
        _ => s.arn(&r.name),
    };
    if let Some(q) = &qual {
        arn.push(':');
        arn.push_str(q);
    }
    let elsewhere = r.region.as_deref().is_some_and(|x| x != s.region.as_str())
        || r.account
            .as_deref()
            .is_some_and(|x| x != s.account.as_str());
    if elsewhere || qual.as_deref().is_some_and(|q| q != "$LATEST") {
        return Err(LambdaError::function_not_found(&arn));
    }
    let key = state::key(s.account, s.region, &r.name);
    inner
        .store
        .read(|txn| state::get(txn, &key))?
        .ok_or_else(|| LambdaError::function_not_found(&arn))
}

/// The `FunctionConfiguration` AWS returns.
pub fn configuration(f: &FunctionRec) -> Value {
    let mut v = json!({
        "FunctionName": f.name,
        "FunctionArn": f.arn,
        "Runtime": f.runtime,
        "Role": f.role,
        "Handler": f.handler,
        "CodeSize": f.code_size,
        "Description": f.description,
        "Timeout": f.timeout,
        "MemorySize": f.memory_size,
        "LastModified": f.last_modified,
        "CodeSha256": f.code_sha256,
        "Version": "$LATEST",
        "TracingConfig": { "Mode": "PassThrough" },
        "RevisionId": f.revision_id,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": f.architectures,
        "EphemeralStorage": { "Size": 512 },
        "SnapStart": { "ApplyOn": "None", "OptimizationStatus": "Off" },
        "LoggingConfig": { "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", f.name) },
    });
    if let Some(env) = &f.environment {
        v["Environment"] = json!({ "Variables": env });
    }
    v
}

fn check_runtime(rt: &str) -> Result<(), LambdaError> {
    if RUNTIMES.contains(&rt) {
        return Ok(());
    }
    if OTHER_RUNTIMES.contains(&rt) {
        return Err(LambdaError::InvalidParameter(format!(
            "The runtime parameter of {rt} is not supported by cloudlet, which runs {}.",
            RUNTIMES.join(", ")
        )));
    }
    if matches!(
        rt,
        "python2.7" | "python3.6" | "python3.7" | "nodejs16.x" | "go1.x"
    ) {
        return Err(LambdaError::InvalidParameter(format!(
            "The runtime parameter of {rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.13) while creating or updating functions."
        )));
    }
    Err(LambdaError::validation(
        rt,
        "runtime",
        &format!(
            "Member must satisfy enum value set: [{}]",
            RUNTIMES
                .iter()
                .chain(OTHER_RUNTIMES.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn check_role(inner: &Inner, account: &AccountId, role: &str) -> Result<(), LambdaError> {
    let ok = role.strip_prefix("arn:").and_then(|r| {
        let mut it = r.splitn(5, ':');
        let partition = it.next()?;
        let service = it.next()?;
        let region = it.next()?;
        let acct = it.next()?;
        let res = it.next()?;
        let name = res.strip_prefix("role")?;
        Some(
            partition.starts_with("aws")
                && service == "iam"
                && region.is_empty()
                && acct.len() == 12
                && acct.bytes().all(|b| b.is_ascii_digit())
                && !name.trim_start_matches('/').is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b)),
        )
    });
    if ok != Some(true) {
        return Err(LambdaError::validation(
            role,
            "role",
            &format!("Member must satisfy regular expression pattern: {ROLE_PATTERN}"),
        ));
    }
    if !inner.roles.role_exists(account, role) {
        return Err(LambdaError::InvalidParameter(
            "The role defined for the function cannot be assumed by Lambda.".into(),
        ));
    }
    Ok(())
}

fn check_timeout(t: i64) -> Result<u64, LambdaError> {
    if t < 1 {
        return Err(LambdaError::validation(
            &t.to_string(),
            "timeout",
            "Member must have value greater than or equal to 1",
        ));
    }
    if t > 900 {
        return Err(LambdaError::validation(
            &t.to_string(),
            "timeout",
            "Member must have value less than or equal to 900",
        ));
    }
    Ok(t as u64)
}

fn check_memory(m: i64) -> Result<u64, LambdaError> {
    if m < 128 {
        return Err(LambdaError::validation(
            &m.to_string(),
            "memorySize",
            "Member must have value greater than or equal to 128",
        ));
    }
    if m > 10240 {
        return Err(LambdaError::validation(
            &m.to_string(),
            "memorySize",
            "Member must have value less than or equal to 10240",
        ));
    }
    Ok(m as u64)
}

fn check_env(env: &Option<EnvIn>) -> Result<Option<BTreeMap<String, String>>, LambdaError> {
    let Some(vars) = env
        .as_ref()
        .map(|e| e.variables.clone().unwrap_or_default())
    else {
        return Ok(None);
    };
    let reserved: Vec<&str> = vars
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENV.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::InvalidParameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    for k in vars.keys() {
        let ok = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(LambdaError::validation(
                k,
                "environment.variables",
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            ));
        }
    }
    Ok(Some(vars))
}

fn check_architectures(a: &Option<Vec<String>>) -> Result<Vec<String>, LambdaError> {
    let a = a.clone().unwrap_or_else(|| vec!["x86_64".into()]);
    if a.len() != 1 || !matches!(a[0].as_str(), "x86_64" | "arm64") {
        return Err(LambdaError::validation(
            &format!("[{}]", a.join(", ")),
            "architectures",
            "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]",
        ));
    }
    Ok(a)
}

/// Decodes and checks an uploaded zip; returns (bytes, CodeSha256).
async fn take_zip(
    zip_b64: Option<&str>,
    s3: bool,
    image: bool,
) -> Result<(Vec<u8>, String), LambdaError> {
    if image {
        return Err(LambdaError::InvalidParameter(
            "cloudlet runs Zip packages only; container images are not supported.".into(),
        ));
    }
    let Some(b64) = zip_b64 else {
        if s3 {
            return Err(LambdaError::InvalidParameter(
                "cloudlet accepts function code as ZipFile only; upload the zip itself instead of S3Bucket/S3Key.".into(),
            ));
        }
        return Err(LambdaError::InvalidParameter(
            "Please provide a source for function code.".into(),
        ));
    };
    let zip = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| {
            LambdaError::InvalidParameter(
                "Could not unzip uploaded file. Please check your file, then try to upload again."
                    .into(),
            )
        })?;
    let zip = tokio::task::spawn_blocking(move || crate::code::inspect(&zip).map(|()| zip))
        .await
        .map_err(|e| LambdaError::Service(e.to_string()))??;
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
    Ok((zip, sha))
}

pub async fn create(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    i: CreateInput,
) -> Result<Value, LambdaError> {
    let raw_name = i.function_name.as_deref().ok_or_else(|| {
        LambdaError::validation("null", "functionName", "Member must not be null")
    })?;
    let r = names::parse(raw_name, "functionName")?;
    if r.qualifier.is_some() || !names::is_plain_name(&r.name) {
        return Err(LambdaError::validation(
            raw_name,
            "functionName",
            &format!(
                "Member must satisfy regular expression pattern: {}",
                names::NAME_PATTERN
            ),
        ));
    }
    if r.region.as_deref().is_some_and(|x| x != s.region.as_str())
        || r.account
            .as_deref()
            .is_some_and(|x| x != s.account.as_str())
    {
        return Err(LambdaError::InvalidParameter(
            "The ARN must name a function of this account and region.".into(),
        ));
    }
    let name = r.name;
    if i.package_type.as_deref().is_some_and(|p| p != "Zip") {
        return Err(LambdaError::InvalidParameter(
            "cloudlet runs Zip packages only; container images are not supported.".into(),
        ));
    }
    let runtime = i.runtime.clone().ok_or_else(|| {
        LambdaError::InvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.".into())
    })?;
    check_runtime(&runtime)?;
    let handler = match &i.handler {
        Some(h) => h.clone(),
        None if runtime.starts_with("provided") => String::new(),
        None => {
            return Err(LambdaError::InvalidParameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.".into(),
            ));
        }
    };
    let role = i
        .role
        .clone()
        .ok_or_else(|| LambdaError::validation("null", "role", "Member must not be null"))?;
    check_role(inner, s.account, &role)?;
    let timeout = check_timeout(i.timeout.unwrap_or(3))?;
    let memory_size = check_memory(i.memory_size.unwrap_or(128))?;
    let environment = check_env(&i.environment)?;
    let architectures = check_architectures(&i.architectures)?;
    if runtime.starts_with("python") {
        inner
            .python
            .get_or_try_init(crate::instance::probe_python)
            .await
            .map_err(|e| LambdaError::InvalidParameter(e.clone()))?;
    }
    let code = i.code.unwrap_or_default();
    let (zip, sha) = take_zip(
        code.zip_file.as_deref(),
        code.s3_bucket.is_some() || code.s3_key.is_some(),
        code.image_uri.is_some(),
    )
    .await?;
    let key = state::key(s.account, s.region, &name);
    if inner.store.read(|txn| state::get(txn, &key))?.is_some() {
        return Err(LambdaError::Conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let blob = inner.store.blobs().put(&zip).await?;
    let rec = FunctionRec {
        id: cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<8>()),
        arn: s.arn(&name),
        name: name.clone(),
        runtime,
        role,
        handler,
        description: i.description.unwrap_or_default(),
        timeout,
        memory_size,
        environment,
        architectures,
        code_sha256: sha,
        code_size: zip.len() as u64,
        blob: blob.as_str().to_string(),
        revision_id: cloudlet_core::ids::uuid_v4(),
        generation: inner.pool.fresh_generation(),
        last_modified: state::timestamp_now(),
        policy: Vec::new(),
    };
    let stored = rec.clone();
    let k = key.clone();
    let res = inner
        .store
        .write(move |txn| {
            if state::get_w(txn, &k)?.is_some() {
                return Err(LambdaError::Conflict(format!(
                    "Function already exist: {}",
                    stored.name
                )));
            }
            state::put(txn, &k, &stored)?;
            Ok(())
        })
        .await;
    if let Err(e) = res {
        inner.store.blobs().delete(&blob).await;
        return Err(e);
    }
    crate::invoke::prepare_code(inner, &key, &rec, zip).await;
    Ok(configuration(&rec))
}

pub fn get(
    inner: &Inner,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Value, LambdaError> {
    let f = resolve(inner, s, name, qualifier)?;
    Ok(json!({
        "Configuration": configuration(&f),
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("{}/2015-03-31/functions/{}/code-package/{}", s.endpoint, f.name, f.blob),
        },
    }))
}

pub fn get_configuration(
    inner: &Inner,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Value, LambdaError> {
    resolve(inner, s, name, qualifier).map(|f| configuration(&f))
}

pub fn list(
    inner: &Inner,
    s: &Scope<'_>,
    marker: Option<String>,
    max_items: Option<String>,
) -> Result<Value, LambdaError> {
    let max = match max_items {
        None => 50,
        Some(m) => match m.parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => n as usize,
            _ => {
                return Err(LambdaError::validation(
                    &m,
                    "maxItems",
                    "Member must have value greater than or equal to 1",
                ));
            }
        },
    };
    let all = inner
        .store
        .read(|txn| state::list(txn, s.account, s.region))?;
    let after = marker.unwrap_or_default();
    let rest: Vec<&FunctionRec> = all
        .iter()
        .filter(|f| after.is_empty() || f.name > after)
        .collect();
    let page: Vec<Value> = rest.iter().take(max).map(|f| configuration(f)).collect();
    let mut out = json!({ "Functions": page });
    if rest.len() > max
        && let Some(last) = rest.get(max - 1)
    {
        out["NextMarker"] = last.name.clone().into();
    }
    Ok(out)
}

/// Applies `change` to the stored function, checking `RevisionId` if given.
async fn modify(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    revision: Option<String>,
    change: impl Fn(&mut FunctionRec) -> Result<(), LambdaError> + Send + 'static,
    bump: bool,
) -> Result<(FunctionRec, FunctionRec), LambdaError> {
    let current = resolve(inner, s, name, None)?;
    let key = state::key(s.account, s.region, &current.name);
    let arn = current.arn.clone();
    let new_rev = cloudlet_core::ids::uuid_v4();
    if bump {
        // Retire first: the new generation is then above the floor, older ones below it.
        inner.pool.retire(&key);
    }
    let new_gen = inner.pool.fresh_generation();
    let now = state::timestamp_now();
    let k = key.clone();
    let (old, new) = inner
        .store
        .write(move |txn| {
            let old = state::get_w(txn, &k)?.ok_or_else(|| LambdaError::function_not_found(&arn))?;
            if let Some(r) = &revision
                && *r != old.revision_id
            {
                return Err(LambdaError::PreconditionFailed(
                    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
                ));
            }
            let mut f = old.clone();
            change(&mut f)?;
            f.revision_id = new_rev.clone();
            if bump {
                f.generation = new_gen;
                f.last_modified = now.clone();
            }
            state::put(txn, &k, &f)?;
            Ok((old, f))
        })
        .await?;
    Ok((old, new))
}

pub async fn update_code(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    i: UpdateCodeInput,
) -> Result<Value, LambdaError> {
    let current = resolve(inner, s, name, None)?;
    let architectures = match &i.architectures {
        Some(_) => Some(check_architectures(&i.architectures)?),
        None => None,
    };
    let (zip, sha) = take_zip(
        i.zip_file.as_deref(),
        i.s3_bucket.is_some() || i.s3_key.is_some(),
        i.image_uri.is_some(),
    )
    .await?;
    if i.dry_run == Some(true) {
        let mut f = current;
        f.code_sha256 = sha;
        f.code_size = zip.len() as u64;
        return Ok(configuration(&f));
    }
    let blob = inner.store.blobs().put(&zip).await?;
    let (b, size) = (blob.as_str().to_string(), zip.len() as u64);
    let res = modify(
        inner,
        s,
        name,
        i.revision_id,
        move |f| {
            f.blob = b.clone();
            f.code_sha256 = sha.clone();
            f.code_size = size;
            if let Some(a) = &architectures {
                f.architectures = a.clone();
            }
            Ok(())
        },
        true,
    )
    .await;
    match res {
        Ok((old, new)) => {
            crate::invoke::forget_code(inner, &old);
            if let Some(id) = cloudlet_store::BlobId::parse(&old.blob) {
                inner.store.blobs().delete(&id).await;
            }
            let key = state::key(s.account, s.region, &new.name);
            crate::invoke::prepare_code(inner, &key, &new, zip).await;
            Ok(configuration(&new))
        }
        Err(e) => {
            inner.store.blobs().delete(&blob).await;
            Err(e)
        }
    }
}

pub async fn update_configuration(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    i: UpdateConfigInput,
) -> Result<Value, LambdaError> {
    if let Some(r) = &i.runtime {
        check_runtime(r)?;
    }
    if let Some(r) = &i.role {
        check_role(inner, s.account, r)?;
    }
    let timeout = i.timeout.map(check_timeout).transpose()?;
    let memory = i.memory_size.map(check_memory).transpose()?;
    let env = check_env(&i.environment)?;
    let (role, handler, description, runtime) = (i.role, i.handler, i.description, i.runtime);
    let (_, new) = modify(
        inner,
        s,
        name,
        i.revision_id,
        move |f| {
            if let Some(v) = &role {
                f.role = v.clone();
            }
            if let Some(v) = &handler {
                f.handler = v.clone();
            }
            if let Some(v) = &description {
                f.description = v.clone();
            }
            if let Some(v) = &runtime {
                f.runtime = v.clone();
            }
            if let Some(v) = timeout {
                f.timeout = v;
            }
            if let Some(v) = memory {
                f.memory_size = v;
            }
            if env.is_some() {
                f.environment = env.clone();
            }
            Ok(())
        },
        true,
    )
    .await?;
    Ok(configuration(&new))
}

pub async fn delete(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
) -> Result<(), LambdaError> {
    let f = resolve(inner, s, name, qualifier)?;
    let key = state::key(s.account, s.region, &f.name);
    let k = key.clone();
    let arn = f.arn.clone();
    inner
        .store
        .write(move |txn| {
            if state::get_w(txn, &k)?.is_none() {
                return Err(LambdaError::function_not_found(&arn));
            }
            state::delete(txn, &k)?;
            Ok(())
        })
        .await?;
    inner.pool.retire(&key);
    crate::invoke::forget_code(inner, &f);
    if let Some(id) = cloudlet_store::BlobId::parse(&f.blob) {
        inner.store.blobs().delete(&id).await;
    }
    Ok(())
}

pub async fn add_permission(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
    i: policy::PermissionInput,
) -> Result<Value, LambdaError> {
    let f = resolve(inner, s, name, qualifier)?;
    let (sid, st) = policy::statement(&i, &f.arn)?;
    let stored = st.clone();
    modify(
        inner,
        s,
        name,
        i.revision_id.clone(),
        move |f| {
            if f.policy.iter().any(|x| x["Sid"] == sid.as_str()) {
                return Err(LambdaError::Conflict(
                    "The statement id (".to_string() + &sid + ") provided already exists. Please provide a new statement id, or remove the existing statement.",
                ));
            }
            f.policy.push(stored.clone());
            Ok(())
        },
        false,
    )
    .await?;
    Ok(json!({ "Statement": st.to_string() }))
}

pub fn get_policy(
    inner: &Inner,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Value, LambdaError> {
    let f = resolve(inner, s, name, qualifier)?;
    if f.policy.is_empty() {
        return Err(LambdaError::NotFound(
            "The resource you requested does not exist.".into(),
        ));
    }
    Ok(json!({ "Policy": policy::document(&f.policy), "RevisionId": f.revision_id }))
}

pub async fn remove_permission(
    inner: &Arc<Inner>,
    s: &Scope<'_>,
    name: &str,
    qualifier: Option<&str>,
    sid: String,
    revision: Option<String>,
) -> Result<(), LambdaError> {
    resolve(inner, s, name, qualifier)?;
    modify(
        inner,
        s,
        name,
        revision,
        move |f| {
            let before = f.policy.len();
            f.policy.retain(|x| x["Sid"] != sid.as_str());
            if f.policy.len() == before {
                return Err(LambdaError::NotFound(format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            Ok(())
        },
        false,
    )
    .await?;
    Ok(())
}
