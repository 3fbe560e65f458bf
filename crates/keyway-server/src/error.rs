//! Every way a public request can fail, and the one place that turns a
//! failure into a response in the client's own protocol (product.md §2).

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

/// The protocol the client spoke, which decides the error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProtocol {
    OpenAi,
    Anthropic,
}

impl ClientProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientProtocol::OpenAi => "openai",
            ClientProtocol::Anthropic => "anthropic",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON, lacks `model`, or has wrong types.
    #[error("{0}")]
    BadRequest(String),
    /// 401: never says whether the key exists, is disabled or expired.
    #[error("invalid API key")]
    Unauthorized,
    /// 404: unknown alias in the key's group, disabled route or provider.
    #[error("model '{0}' not found")]
    ModelNotFound(String),
    /// 404: strict route whose provider speaks the other protocol.
    #[error("model '{alias}' is bound to an {provider} provider, not {client}")]
    ProtocolMismatch {
        alias: String,
        provider: &'static str,
        client: &'static str,
    },
    /// 503: every candidate of an auto-select route is cooling down.
    #[error("model '{0}' has no healthy provider")]
    NoHealthyProvider(String),
    /// 413
    #[error("request body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    /// 400/413/422 from the upstream, passed on with its status.
    #[error("upstream {provider} rejected the request: {message}")]
    UpstreamRejected {
        status: StatusCode,
        provider: String,
        message: String,
    },
    /// 429 from the upstream; its `retry-after` passes on.
    #[error("upstream {provider} rate limit: {message}")]
    UpstreamRateLimited {
        provider: String,
        message: String,
        retry_after: Option<HeaderValue>,
    },
    /// 503/529 from the upstream: Anthropic clients get 529, OpenAI clients 503.
    #[error("upstream {provider} is overloaded: {message}")]
    UpstreamOverloaded {
        provider: String,
        message: String,
        retry_after: Option<HeaderValue>,
    },
    /// 502: upstream 401/403/404/other 5xx, connection failure, bad body.
    #[error("upstream error: {provider} returned {status}: {message}")]
    UpstreamFailed {
        provider: String,
        /// An HTTP status, or what went wrong instead ("connection failed").
        status: String,
        message: String,
    },
    /// 504
    #[error("upstream {provider} timed out ({detail})")]
    UpstreamTimeout { provider: String, detail: String },
    /// 500: our own failure; the detail is logged, not sent.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn status(&self, proto: ClientProtocol) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::ModelNotFound(_) | ApiError::ProtocolMismatch { .. } => StatusCode::NOT_FOUND,
            ApiError::NoHealthyProvider(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UpstreamRejected { status, .. } => *status,
            ApiError::UpstreamRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UpstreamOverloaded { .. } => match proto {
                ClientProtocol::Anthropic => overloaded_529(),
                ClientProtocol::OpenAi => StatusCode::SERVICE_UNAVAILABLE,
            },
            ApiError::UpstreamFailed { .. } => StatusCode::BAD_GATEWAY,
            ApiError::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// OpenAI `(type, code)`.
    fn openai_kind(&self) -> (&'static str, Option<&'static str>) {
        match self {
            ApiError::BadRequest(_) => ("invalid_request_error", None),
            ApiError::Unauthorized => ("authentication_error", Some("invalid_api_key")),
            ApiError::ModelNotFound(_) | ApiError::ProtocolMismatch { .. } => {
                ("invalid_request_error", Some("model_not_found"))
            }
            ApiError::NoHealthyProvider(_) => ("server_error", Some("no_healthy_provider")),
            ApiError::TooLarge { .. } => ("invalid_request_error", Some("request_too_large")),
            ApiError::UpstreamRejected { .. } => {
                ("invalid_request_error", Some("upstream_rejected"))
            }
            ApiError::UpstreamRateLimited { .. } => {
                ("rate_limit_error", Some("rate_limit_exceeded"))
            }
            ApiError::UpstreamOverloaded { .. } => ("server_error", Some("upstream_overloaded")),
            ApiError::UpstreamFailed { .. } => ("server_error", Some("upstream_error")),
            ApiError::UpstreamTimeout { .. } => ("server_error", Some("upstream_timeout")),
            ApiError::Internal => ("server_error", None),
        }
    }

    /// Anthropic `error.type` (protocols.md §2.7).
    pub fn anthropic_type(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::UpstreamRejected { .. } => "invalid_request_error",
            ApiError::Unauthorized => "authentication_error",
            ApiError::ModelNotFound(_) | ApiError::ProtocolMismatch { .. } => "not_found_error",
            ApiError::TooLarge { .. } => "request_too_large",
            ApiError::UpstreamRateLimited { .. } => "rate_limit_error",
            ApiError::UpstreamOverloaded { .. } => "overloaded_error",
            ApiError::UpstreamTimeout { .. } => "timeout_error",
            ApiError::NoHealthyProvider(_)
            | ApiError::UpstreamFailed { .. }
            | ApiError::Internal => "api_error",
        }
    }

    /// OpenAI `type` used in stream error chunks.
    pub fn openai_type(&self) -> &'static str {
        self.openai_kind().0
    }

    pub fn body(&self, proto: ClientProtocol) -> Bytes {
        let message = self.to_string();
        let v = match proto {
            ClientProtocol::OpenAi => {
                let (ty, code) = self.openai_kind();
                json!({"error": {"message": message, "type": ty, "param": null, "code": code}})
            }
            ClientProtocol::Anthropic => {
                json!({"type": "error", "error": {"type": self.anthropic_type(), "message": message}})
            }
        };
        Bytes::from(v.to_string())
    }

    pub fn into_response_for(self, proto: ClientProtocol) -> Response {
        let status = self.status(proto);
        let mut resp = (status, self.body(proto)).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        match &self {
            ApiError::UpstreamRateLimited {
                retry_after: Some(v),
                ..
            }
            | ApiError::UpstreamOverloaded {
                retry_after: Some(v),
                ..
            } => {
                headers.insert(header::RETRY_AFTER, v.clone());
            }
            _ => {}
        }
        resp
    }
}

fn overloaded_529() -> StatusCode {
    StatusCode::from_u16(529).unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract_table() {
        use ClientProtocol::*;
        let cases: Vec<(ApiError, ClientProtocol, u16, &str)> = vec![
            (
                ApiError::BadRequest("x".into()),
                OpenAi,
                400,
                "invalid_request_error",
            ),
            (
                ApiError::Unauthorized,
                Anthropic,
                401,
                "authentication_error",
            ),
            (
                ApiError::ModelNotFound("m".into()),
                Anthropic,
                404,
                "not_found_error",
            ),
            (
                ApiError::NoHealthyProvider("m".into()),
                OpenAi,
                503,
                "server_error",
            ),
            (
                ApiError::TooLarge { limit: 1 },
                Anthropic,
                413,
                "request_too_large",
            ),
            (
                ApiError::UpstreamOverloaded {
                    provider: "p".into(),
                    message: "busy".into(),
                    retry_after: None,
                },
                Anthropic,
                529,
                "overloaded_error",
            ),
            (
                ApiError::UpstreamOverloaded {
                    provider: "p".into(),
                    message: "busy".into(),
                    retry_after: None,
                },
                OpenAi,
                503,
                "server_error",
            ),
            (
                ApiError::UpstreamFailed {
                    provider: "p".into(),
                    status: "401".into(),
                    message: "bad key".into(),
                },
                OpenAi,
                502,
                "server_error",
            ),
            (
                ApiError::UpstreamTimeout {
                    provider: "p".into(),
                    detail: "idle".into(),
                },
                Anthropic,
                504,
                "timeout_error",
            ),
        ];
        for (err, proto, status, ty) in cases {
            assert_eq!(err.status(proto).as_u16(), status, "{err}");
            let body: serde_json::Value = serde_json::from_slice(&err.body(proto)).expect("json");
            let got = match proto {
                OpenAi => body["error"]["type"].as_str().map(str::to_owned),
                Anthropic => {
                    assert_eq!(body["type"], "error");
                    body["error"]["type"].as_str().map(str::to_owned)
                }
            };
            assert_eq!(got.as_deref(), Some(ty), "{err}");
        }
    }

    #[test]
    fn messages_carry_the_words_that_matter() {
        let e = ApiError::ProtocolMismatch {
            alias: "m".into(),
            provider: "openai",
            client: "anthropic",
        };
        assert_eq!(
            e.to_string(),
            "model 'm' is bound to an openai provider, not anthropic"
        );
        let e = ApiError::UpstreamFailed {
            provider: "ds".into(),
            status: "401".into(),
            message: "Invalid key".into(),
        };
        assert_eq!(
            e.to_string(),
            "upstream error: ds returned 401: Invalid key"
        );
    }
}
