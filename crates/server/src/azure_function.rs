//! The Azure Function adapter (legacy R44): `POST {url}?code={key}` with the JSON payload, behind the
//! application's `FunctionHook` port. A non-2xx answer is an error, so the outbox retries it.

use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use secrecy::{ExposeSecret as _, SecretString};
use seeg_application::applications::FunctionHook;

use crate::settings::AzureFunctionSettings;

/// Calls the configured function.
pub struct HttpFunctionHook {
    client: reqwest::Client,
    url: reqwest::Url,
    key: SecretString,
}

/// Host and path only: the key, and a `code` pasted into the URL (Azure's "function URL" holds one), never reach a
/// log.
impl std::fmt::Debug for HttpFunctionHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFunctionHook")
            .field("host", &self.url.host_str())
            .field("path", &self.url.path())
            .finish_non_exhaustive()
    }
}

impl HttpFunctionHook {
    /// `None` when no function is configured.
    pub fn from_settings(settings: &AzureFunctionSettings) -> anyhow::Result<Option<Self>> {
        if !settings.enabled() {
            return Ok(None);
        }
        let url =
            reqwest::Url::parse(settings.url.trim()).context("azure_function.url n'est pas une adresse valide")?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .context("client HTTP de l'Azure Function")?;
        Ok(Some(Self { client, url, key: settings.key.clone() }))
    }
}

#[async_trait]
impl FunctionHook for HttpFunctionHook {
    async fn notify(&self, payload: &serde_json::Value) -> anyhow::Result<()> {
        let mut request = self.client.post(self.url.clone()).json(payload);
        let key = self.key.expose_secret().trim();
        // A URL copied with its `?code=` already carries the key: it is not sent twice.
        if !key.is_empty() && !self.url.query_pairs().any(|(name, _)| name == "code") {
            request = request.query(&[("code", key)]);
        }
        // The error's text would carry the URL with its `code`: only its kind is kept.
        let response = request.send().await.map_err(|error| {
            let kind = if error.is_timeout() {
                "délai dépassé"
            } else if error.is_connect() {
                "connexion impossible"
            } else {
                "échec de la requête"
            };
            anyhow::anyhow!("Azure Function : {kind}")
        })?;
        let status = response.status();
        if !status.is_success() {
            anyhow::bail!("Azure Function : réponse {}", status.as_u16());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_debug_shows_neither_the_key_nor_a_code_in_the_url() {
        let settings = AzureFunctionSettings {
            url: "https://seeg-fonctions.azurewebsites.net/api/on-submitted?code=cle-dans-l-url".to_owned(),
            key: "cle-des-reglages".to_owned().into(),
            connect_timeout_secs: 10,
            timeout_secs: 60,
        };
        let hook = HttpFunctionHook::from_settings(&settings).unwrap().expect("configured");
        let shown = format!("{hook:?}");
        assert!(shown.contains("seeg-fonctions.azurewebsites.net") && shown.contains("/api/on-submitted"), "{shown}");
        assert!(!shown.contains("cle-"), "{shown}");
        let off = AzureFunctionSettings { url: "  ".to_owned(), ..settings };
        assert!(HttpFunctionHook::from_settings(&off).unwrap().is_none());
    }
}
