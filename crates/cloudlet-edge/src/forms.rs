//! The edge's [`FormAuthenticator`]: S3 POST-form uploads carry their signature in the body,
//! so S3 asks the edge who signed. In strict mode the signature is verified as strictly as
//! a header's; in the default mode the access key only names its principal.

use std::sync::Arc;

use cloudlet_core::traits::{CredentialResolver, FormAuthenticator, FormSignature};
use cloudlet_core::{AwsError, Principal, ServiceId};

use crate::strict::{self, StrictAuth};

pub(crate) struct EdgeForms {
    pub(crate) resolver: Option<Arc<dyn CredentialResolver>>,
    pub(crate) strict: Option<Arc<StrictAuth>>,
}

impl FormAuthenticator for EdgeForms {
    fn authenticate(
        &self,
        signature: &FormSignature,
        policy: &str,
        session_token: Option<&str>,
    ) -> Result<Principal, AwsError> {
        if let Some(s) = &self.strict {
            s.verify_form(signature, policy, session_token)
                .map_err(|f| strict::error(ServiceId::S3, f))?;
        }
        let key = match signature {
            FormSignature::V4 { credential, .. } => credential.split('/').next().unwrap_or(""),
            FormSignature::V2 { access_key, .. } => access_key,
        };
        Ok(crate::principal_for(
            self.strict.as_deref(),
            self.resolver.as_deref(),
            key,
        ))
    }
}
