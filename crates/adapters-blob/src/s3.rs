//! Amazon S3 or an S3-compatible server (MinIO, Ceph, moto, …) through object_store's `aws` backend.

use anyhow::Context as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};

/// One S3 bucket; it must exist.
///
/// The builder starts from the process environment (object_store's `from_env`: `AWS_*` variables, so an ECS task
/// role, EKS web identity / pod identity, `AWS_SESSION_TOKEN`), then these settings override it; with no key at all,
/// object_store falls back to EC2 instance metadata.
#[derive(Clone, Default)]
pub struct S3Location {
    pub bucket: String,
    /// `us-east-1` when empty.
    pub region: String,
    /// An S3-compatible server's URL (requests are then path-style: `{endpoint}/{bucket}/{key}`); `None`: AWS.
    /// Plain `http://` is accepted only here, when the endpoint says so.
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    /// A secret: never logged (no `Debug` shows it).
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Location")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl S3Location {
    pub(crate) fn store(&self) -> anyhow::Result<AmazonS3> {
        anyhow::ensure!(!self.bucket.trim().is_empty(), "stockage S3 : le nom du bucket manque");
        let region = if self.region.trim().is_empty() { "us-east-1" } else { self.region.trim() };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(self.bucket.trim())
            .with_region(region)
            .with_retry(crate::retries());
        if let Some(endpoint) = self.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => builder = builder.with_access_key_id(id).with_secret_access_key(secret),
            (None, None) => {}
            _ => anyhow::bail!("stockage S3 : l'identifiant et le secret de la clé d'accès vont ensemble"),
        }
        builder.build().with_context(|| format!("configuration du stockage S3 (bucket « {} »)", self.bucket.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_needs_a_bucket_and_both_halves_of_a_key() {
        let location = S3Location { bucket: "seeg".into(), ..S3Location::default() };
        assert!(location.store().is_ok());
        assert!(S3Location::default().store().is_err(), "no bucket");
        let half = S3Location { access_key_id: Some("AKIA".into()), ..location.clone() };
        assert!(half.store().is_err());
        let secret = S3Location { secret_access_key: Some("très secret".into()), ..location };
        assert!(!format!("{secret:?}").contains("très secret"), "the secret is never shown");
    }
}
