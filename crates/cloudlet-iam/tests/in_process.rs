//! The in-process faces of IAM: Lambda's `RoleSessions` and the edge's
//! `CredentialResolver`, driven against an ephemeral store.

use cloudlet_core::traits::{CredentialResolver, RoleSessions};
use cloudlet_core::{AccountId, Principal, Region, RequestContext, Service, ServiceId, body};
use cloudlet_iam::Iam;
use cloudlet_store::Store;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

async fn call(iam: &Iam, service: ServiceId, form: String) -> (u16, String) {
    let ctx = RequestContext::internal(
        service,
        AccountId::default(),
        Region::default(),
        "http://127.0.0.1:4566",
    );
    let req = http::Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body::full(form))
        .unwrap();
    match iam.handle(ctx, req).await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = body::collect(resp.into_body(), 1 << 20).await.unwrap();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
        Err(e) => (e.status, format!("{}: {}", e.code, e.message)),
    }
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn lambda_role_sessions_resolve_to_the_assumed_role() {
    let store = Store::ephemeral().unwrap();
    let iam = Iam::new(store);
    let account = AccountId::default();
    let arn = "arn:aws:iam::000000000000:role/service-role/my-lambda-role";

    assert!(!iam.role_exists(&account, arn));
    let err = iam
        .assume_role(&account, arn, "api-service-create")
        .await
        .unwrap_err();
    assert_eq!(
        (err.status, err.code.as_ref(), err.message.as_str()),
        (
            403,
            "AccessDenied",
            "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/service-role/my-lambda-role"
        )
    );

    let (status, text) = call(
        &iam,
        ServiceId::Iam,
        format!(
            "Action=CreateRole&RoleName=my-lambda-role&Path=%2Fservice-role%2F&AssumeRolePolicyDocument={}",
            encode(TRUST)
        ),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(iam.role_exists(&account, arn));
    assert!(!iam.role_exists(&account, "not an arn"));

    let creds = iam
        .assume_role(&account, arn, "api-service-create")
        .await
        .unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert_eq!(
        iam.resolve(&creds.access_key_id),
        Some(Principal::AssumedRole {
            account: account.clone(),
            role: "my-lambda-role".into(),
            session: "api-service-create".into(),
        })
    );
    let secret = iam.secret_for(&creds.access_key_id).unwrap();
    assert_eq!(secret.secret_access_key, creds.secret_access_key);
    assert_eq!(
        secret.session_token.as_deref(),
        Some(creds.session_token.as_str())
    );

    // Keys cloudlet never issued stay unknown (the edge then uses the account's root).
    for key in [
        "test",
        "123456789012",
        "ASIAUNKNOWNKEY000000",
        "AKIAUNKNOWNKEY000000",
    ] {
        assert_eq!(iam.resolve(key), None, "{key}");
        assert_eq!(iam.secret_for(key), None, "{key}");
    }
}

#[tokio::test]
async fn user_keys_resolve_to_the_user_until_deleted() {
    let iam = Iam::new(Store::ephemeral().unwrap());
    let (status, _) = call(
        &iam,
        ServiceId::Iam,
        "Action=CreateUser&UserName=alice".into(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, text) = call(
        &iam,
        ServiceId::Iam,
        "Action=CreateAccessKey&UserName=alice".into(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let id = text
        .split("<AccessKeyId>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert_eq!(
        iam.resolve(&id),
        Some(Principal::User {
            account: AccountId::default(),
            name: "alice".into()
        })
    );
    let (status, _) = call(
        &iam,
        ServiceId::Iam,
        format!("Action=UpdateAccessKey&UserName=alice&AccessKeyId={id}&Status=Inactive"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(iam.secret_for(&id), None);
    let (status, _) = call(
        &iam,
        ServiceId::Iam,
        format!("Action=DeleteAccessKey&UserName=alice&AccessKeyId={id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(iam.resolve(&id), None);
}
