//! Azure Blob: the connection string, the object_store client built from it, and the creation of the container
//! at start-up when it is missing.
//!
//! object_store reads and writes blobs but cannot create a container, so `Container::create_if_missing` makes the
//! one Blob REST call itself: `PUT {endpoint}/{container}?restype=container`, signed with the account key
//! (SharedKey). 201 (created) and 409 (already there) both mean the container exists. A connection string with a
//! SAS and no account key cannot create containers (a container-scoped SAS would be refused): the container must
//! then exist, as before.

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit as _, Mac as _};
use object_store::azure::{AzureConfigKey, MicrosoftAzure, MicrosoftAzureBuilder};
use seeg_application::{Clock as _, SystemClock};
use sha2::Sha256;

/// The Blob service version of the requests we sign (the one object_store 0.14 speaks).
const API_VERSION: &str = "2023-11-03";
/// Azurite's well-known development account (public, documented by Microsoft; not a secret).
const EMULATOR_ACCOUNT: &str = "devstoreaccount1";
const EMULATOR_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const EMULATOR_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// An Azure Storage account as a connection string describes it.
pub(crate) struct Account {
    name: String,
    /// The blob endpoint, without a trailing slash (`https://{name}.blob.core.windows.net`, Azurite's URL, …).
    endpoint: String,
    /// `AccountKey`, still base64-encoded as given.
    key: Option<String>,
    sas: Option<String>,
}

impl Account {
    /// From `AccountName=…;AccountKey=…;` with `BlobEndpoint=…` or `DefaultEndpointsProtocol`/`EndpointSuffix`, or
    /// `UseDevelopmentStorage=true` for Azurite on its default port.
    pub(crate) fn parse(connection_string: &str) -> anyhow::Result<Self> {
        let settings = ConnectionString::parse(connection_string)?;
        if settings.development {
            return Ok(Self {
                name: EMULATOR_ACCOUNT.to_owned(),
                endpoint: EMULATOR_ENDPOINT.to_owned(),
                key: Some(EMULATOR_KEY.to_owned()),
                sas: None,
            });
        }
        let name = settings.get("AccountName").context("chaîne de connexion Azure : AccountName manquant")?;
        let endpoint = match settings.get("BlobEndpoint") {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => format!(
                "{}://{name}.blob.{}",
                settings.get("DefaultEndpointsProtocol").unwrap_or("https"),
                settings.get("EndpointSuffix").unwrap_or("core.windows.net")
            ),
        };
        Ok(Self {
            name: name.to_owned(),
            endpoint,
            key: settings.get("AccountKey").map(str::to_owned),
            sas: settings.get("SharedAccessSignature").map(|s| s.trim_start_matches('?').to_owned()),
        })
    }

    /// The object_store client of one container.
    pub(crate) fn store(&self, container: &str) -> anyhow::Result<MicrosoftAzure> {
        let mut builder = MicrosoftAzureBuilder::new()
            .with_container_name(container)
            .with_account(&self.name)
            .with_allow_http(self.endpoint.starts_with("http://"))
            .with_endpoint(self.endpoint.clone())
            .with_retry(crate::retries());
        if let Some(key) = &self.key {
            builder = builder.with_access_key(key);
        }
        if let Some(sas) = &self.sas {
            builder = builder.with_config(AzureConfigKey::SasKey, sas);
        }
        builder.build().context("configuration du stockage Azure Blob")
    }

    /// What creates `container` when missing; `None` without an account key (see the module).
    pub(crate) fn container(&self, container: &str) -> anyhow::Result<Option<Container>> {
        let Some(key) = &self.key else { return Ok(None) };
        let key = BASE64.decode(key).context("chaîne de connexion Azure : AccountKey n'est pas du base64")?;
        let url = reqwest::Url::parse(&format!("{}/{container}?restype=container", self.endpoint))
            .context("chaîne de connexion Azure : BlobEndpoint n'est pas une adresse valide")?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("client HTTP du stockage Azure Blob")?;
        Ok(Some(Container { client, url, account: self.name.clone(), key, name: container.to_owned() }))
    }
}

/// The storage did not answer the container's creation (down, unreachable, timed out): unlike a refusal, worth
/// trying again later.
#[derive(Debug)]
pub struct StorageUnreachable {
    container: String,
}

impl std::fmt::Display for StorageUnreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "création du conteneur Azure « {} » : le stockage ne répond pas", self.container)
    }
}

impl std::error::Error for StorageUnreachable {}

/// One container to create at start-up.
pub(crate) struct Container {
    client: reqwest::Client,
    url: reqwest::Url,
    account: String,
    key: Vec<u8>,
    name: String,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container").field("account", &self.account).field("name", &self.name).finish_non_exhaustive()
    }
}

impl Container {
    /// Creates the container; one already there is fine. Any other answer is an error naming the container and the
    /// status (never the key).
    pub(crate) async fn create_if_missing(&self) -> anyhow::Result<()> {
        let date = SystemClock.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let headers = [("x-ms-date", date.as_str()), ("x-ms-version", API_VERSION)];
        let signature = sign(&self.key, &string_to_sign("PUT", &self.account, &self.url, &headers));
        let mut request = self
            .client
            .put(self.url.clone())
            .header("authorization", format!("SharedKey {}:{signature}", self.account))
            .header("content-length", "0");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let answer = request
            .send()
            .await
            .map_err(|_| anyhow::Error::new(StorageUnreachable { container: self.name.clone() }))?;
        let status = answer.status();
        let code = answer.headers().get("x-ms-error-code").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        match status.as_u16() {
            201 => {
                tracing::info!(azure.container = %self.name, "Azure container created");
                Ok(())
            }
            409 if code == "ContainerAlreadyExists" => Ok(()),
            _ => anyhow::bail!(
                "création du conteneur Azure « {} » refusée : HTTP {}{}",
                self.name,
                status.as_u16(),
                if code.is_empty() { String::new() } else { format!(" ({code})") }
            ),
        }
    }
}

/// The SharedKey string to sign of a request without a body (Blob service, version 2015-02-21 and later:
/// an empty Content-Length line when it is 0): the verb, eleven empty standard headers, the `x-ms-*` headers
/// sorted, then `/{account}{path}` and the query parameters sorted, one `\nname:value` each.
fn string_to_sign(verb: &str, account: &str, url: &reqwest::Url, ms_headers: &[(&str, &str)]) -> String {
    // Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since, If-Match, If-None-Match,
    // If-Unmodified-Since, Range.
    let mut lines: Vec<String> =
        std::iter::once(verb.to_owned()).chain(std::iter::repeat_n(String::new(), 11)).collect();
    let mut headers: Vec<(String, &str)> =
        ms_headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.trim())).collect();
    headers.sort();
    lines.extend(headers.into_iter().map(|(name, value)| format!("{name}:{value}")));
    let mut query: Vec<(String, String)> =
        url.query_pairs().map(|(name, value)| (name.to_ascii_lowercase(), value.into_owned())).collect();
    query.sort();
    lines.push(format!("/{account}{}", url.path()));
    lines.extend(query.into_iter().map(|(name, value)| format!("{name}:{value}")));
    lines.join("\n")
}

/// Base64 of the HMAC-SHA256 of `text` under the decoded account key.
fn sign(key: &[u8], text: &str) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(text.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The `key=value;…` pairs of an Azure Storage connection string; keys are case-insensitive.
struct ConnectionString {
    pairs: Vec<(String, String)>,
    development: bool,
}

impl ConnectionString {
    fn parse(text: &str) -> anyhow::Result<Self> {
        let mut pairs = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .with_context(|| "chaîne de connexion Azure : « clé=valeur » attendu entre les « ; »".to_owned())?;
            pairs.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        anyhow::ensure!(!pairs.is_empty(), "chaîne de connexion Azure vide");
        let development = pairs.iter().any(|(k, v)| k == "usedevelopmentstorage" && v.eq_ignore_ascii_case("true"));
        Ok(Self { pairs, development })
    }

    fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_name_the_account_and_endpoint() {
        let parsed = ConnectionString::parse(
            "DefaultEndpointsProtocol=https; AccountName=seeg;AccountKey=a2V5;EndpointSuffix=core.windows.net;",
        )
        .unwrap();
        assert_eq!((parsed.get("accountname"), parsed.get("ACCOUNTKEY")), (Some("seeg"), Some("a2V5")));
        assert_eq!(parsed.get("BlobEndpoint"), None);
        assert!(!parsed.development);
        assert!(ConnectionString::parse("UseDevelopmentStorage=true").unwrap().development);
        assert!(ConnectionString::parse("").is_err());
        assert!(ConnectionString::parse("AccountName").is_err());
        assert!(Account::parse("AccountKey=a2V5").is_err(), "no account");

        let account = Account::parse("AccountName=seeg;AccountKey=a2V5").unwrap();
        assert_eq!(account.endpoint, "https://seeg.blob.core.windows.net");
        assert!(account.store("c").is_ok());
        let azurite = Account::parse("UseDevelopmentStorage=true").unwrap();
        assert_eq!((azurite.name.as_str(), azurite.endpoint.as_str()), (EMULATOR_ACCOUNT, EMULATOR_ENDPOINT));
        let sas = Account::parse("AccountName=seeg;BlobEndpoint=https://b.example/;SharedAccessSignature=?sv=1&sig=x")
            .unwrap();
        assert_eq!((sas.endpoint.as_str(), sas.sas.as_deref()), ("https://b.example", Some("sv=1&sig=x")));
        assert!(sas.container("c").unwrap().is_none(), "no key: the container must exist");
        assert!(Account::parse("AccountName=seeg;AccountKey=pas du base64!").unwrap().container("c").is_err());
    }

    #[test]
    fn the_string_to_sign_follows_the_shared_key_layout() {
        let url = reqwest::Url::parse("http://127.0.0.1:10000/devstoreaccount1/raw?restype=container").unwrap();
        let text = string_to_sign(
            "PUT",
            "devstoreaccount1",
            &url,
            &[("x-ms-version", "2023-11-03"), ("x-ms-date", "Wed, 25 Nov 2026 15:00:00 GMT")],
        );
        assert_eq!(
            text,
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Wed, 25 Nov 2026 15:00:00 GMT\nx-ms-version:2023-11-03\n\
             /devstoreaccount1/devstoreaccount1/raw\nrestype:container"
        );
    }

    /// The signature of that string under Azurite's public key, computed independently with Python's `hmac`
    /// (`base64.b64encode(hmac.new(base64.b64decode(KEY), TEXT.encode(), hashlib.sha256).digest())`).
    #[test]
    fn the_signature_matches_an_independent_computation() {
        let text = "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Wed, 25 Nov 2026 15:00:00 GMT\nx-ms-version:2023-11-03\n\
                    /devstoreaccount1/devstoreaccount1/raw\nrestype:container";
        let key = BASE64.decode(EMULATOR_KEY).unwrap();
        assert_eq!(sign(&key, text), "g1Sw1aXW0xGIGGAS/gtuIuDh1G2eTFRrgw033LPEMU0=");
    }
}
