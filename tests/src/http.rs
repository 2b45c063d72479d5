//! Calls to the service under test: one request, as an account or anonymously, and what came back.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::TestApp;

/// What the service answered: the status, the headers and the JSON body (`Null` when the body is empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Reads `response` whole. A body that is not empty must be JSON: the test fails otherwise.
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("a {status} body that is not JSON ({e}): {text}"))
        };
        Self { status, headers, body }
    }

    /// The header `name` as text, when the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("a text header"))
    }

    /// `X-Total-Count`, the true total of a list (F5), when the answer has it.
    pub fn total(&self) -> Option<u64> {
        self.header("x-total-count").map(|v| v.parse().expect("a count"))
    }
}

impl TestApp {
    /// `method path` with `body` as JSON when given, as the bearer of `token` when given.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        Answer::read(request.send().await.expect("request")).await
    }

    /// An anonymous `GET path`.
    pub async fn get_json(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, None).await
    }

    /// An anonymous `POST path` with `body`.
    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, None, Some(body)).await
    }

    /// `GET path` as the bearer of `token`.
    pub async fn get_as(&self, token: &str, path: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// `POST path` with `body` as the bearer of `token`.
    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// `PUT path` with `body` as the bearer of `token`.
    pub async fn put_as(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// `POST path` with `form` as `multipart/form-data`, as the bearer of `token`.
    pub async fn post_form(&self, token: &str, path: &str, form: reqwest::multipart::Form) -> Answer {
        let request = self.client.post(self.url(path)).bearer_auth(token).multipart(form);
        Answer::read(request.send().await.expect("request")).await
    }

    /// `DELETE path` as the bearer of `token`.
    pub async fn delete_as(&self, token: &str, path: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }
}
