//! Request-time failures and their one mapping to the OpenAI error envelope
//! `{"error":{"message","type","param","code"}}` (product.md §2). Failures
//! after a job exists live in the job instead (`job::JobError`).

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

use crate::adapters::{ErrorKind, VendorError};
use crate::exec::ExecError;
use crate::job::JobError;
use crate::request::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON or breaks the request schema.
    #[error("{}", .0.message)]
    BadRequest(Invalid),
    /// 401: never says whether the key exists, is disabled or expired.
    #[error("invalid API key")]
    Unauthorized,
    /// 404: unknown alias in the key's group, disabled route or provider.
    #[error("model '{0}' not found")]
    ModelNotFound(String),
    /// 404: no such job in the key's group (other groups' jobs look the same).
    #[error("generation '{0}' not found")]
    JobNotFound(String),
    /// 409: the job is final or its vendor cannot cancel.
    #[error("{0}")]
    NotCancelable(String),
    /// 413
    #[error("request body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    /// 400/413/422 from the vendor (status kept), or a vendor-side refusal.
    #[error("upstream {provider} rejected the request: {message}")]
    UpstreamRejected {
        status: StatusCode,
        provider: String,
        message: String,
        content_policy: bool,
    },
    /// 429 from the vendor (or MiniMax's rate-limit code).
    #[error("upstream {provider} rate limit: {message}")]
    UpstreamRateLimited { provider: String, message: String },
    /// 503: the vendor is overloaded.
    #[error("upstream {provider} is overloaded: {message}")]
    UpstreamOverloaded { provider: String, message: String },
    /// 502: vendor 401/403/404/other 5xx, connection failure, unreadable body.
    #[error("upstream error: {provider} returned {status}: {message}")]
    UpstreamFailed {
        provider: String,
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
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::ModelNotFound(_) | ApiError::JobNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::NotCancelable(_) => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UpstreamRejected { status, .. } => *status,
            ApiError::UpstreamRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UpstreamOverloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UpstreamFailed { .. } => StatusCode::BAD_GATEWAY,
            ApiError::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// OpenAI `(type, code)`.
    fn kind(&self) -> (&'static str, Option<&'static str>) {
        match self {
            ApiError::BadRequest(_) => ("invalid_request_error", None),
            ApiError::Unauthorized => ("authentication_error", Some("invalid_api_key")),
            ApiError::ModelNotFound(_) => ("invalid_request_error", Some("model_not_found")),
            ApiError::JobNotFound(_) => ("invalid_request_error", Some("not_found")),
            ApiError::NotCancelable(_) => ("invalid_request_error", Some("not_cancelable")),
            ApiError::TooLarge { .. } => ("invalid_request_error", Some("request_too_large")),
            ApiError::UpstreamRejected {
                content_policy: true,
                ..
            } => ("invalid_request_error", Some("content_policy_violation")),
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

    pub fn param(&self) -> Option<&str> {
        match self {
            ApiError::BadRequest(i) => i.param.as_deref(),
            _ => None,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let (ty, code) = self.kind();
        json!({"error": {"message": self.to_string(), "type": ty, "param": self.param(), "code": code}})
    }

    /// A vendor's refusal at submit time.
    pub fn from_vendor(provider: &str, e: &VendorError) -> Self {
        let provider = provider.to_string();
        let message = match &e.code {
            Some(code) => format!("{} (code {code})", e.message),
            None => e.message.clone(),
        };
        match e.kind {
            ErrorKind::InvalidRequest | ErrorKind::ContentPolicy => {
                let status = match e.http_status {
                    s @ (400 | 413 | 422) => {
                        StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST)
                    }
                    _ => StatusCode::BAD_REQUEST,
                };
                ApiError::UpstreamRejected {
                    status,
                    provider,
                    message,
                    content_policy: e.kind == ErrorKind::ContentPolicy,
                }
            }
            ErrorKind::RateLimited => ApiError::UpstreamRateLimited { provider, message },
            ErrorKind::Overloaded => ApiError::UpstreamOverloaded { provider, message },
            ErrorKind::BadBody => ApiError::UpstreamFailed {
                provider,
                status: "an unreadable response".into(),
                message,
            },
            ErrorKind::Auth | ErrorKind::NotFound | ErrorKind::Server => ApiError::UpstreamFailed {
                provider,
                status: e.http_status.to_string(),
                message,
            },
        }
    }

    pub fn from_exec(e: &ExecError) -> Self {
        match e {
            ExecError::Timeout {
                provider,
                what,
                after_ms,
            } => ApiError::UpstreamTimeout {
                provider: provider.clone(),
                detail: format!("{what} after {after_ms} ms"),
            },
            ExecError::Connect { provider, detail } => ApiError::UpstreamFailed {
                provider: provider.clone(),
                status: "connection failed".into(),
                message: detail.clone(),
            },
            ExecError::Body { provider, detail } => ApiError::UpstreamFailed {
                provider: provider.clone(),
                status: "a broken response".into(),
                message: detail.clone(),
            },
        }
    }

    /// A failed job, for endpoints that answer synchronously (the images shim).
    pub fn from_job_error(provider: &str, e: &JobError) -> Self {
        let provider = provider.to_string();
        let message = e.message.clone();
        match e.kind.as_str() {
            "content_policy_violation" | "invalid_request_error" => ApiError::UpstreamRejected {
                status: StatusCode::BAD_REQUEST,
                provider,
                message,
                content_policy: e.kind == "content_policy_violation",
            },
            "timeout" => ApiError::UpstreamTimeout {
                provider,
                detail: message,
            },
            _ => ApiError::UpstreamFailed {
                provider,
                status: "a failed job".into(),
                message,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), self.body().to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

impl From<Invalid> for ApiError {
    fn from(i: Invalid) -> Self {
        ApiError::BadRequest(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor(kind: ErrorKind, http_status: u16, code: Option<&str>) -> VendorError {
        VendorError {
            kind,
            http_status,
            code: code.map(str::to_string),
            message: "nope".into(),
        }
    }

    #[test]
    fn vendor_errors_map_to_the_contract_statuses() {
        let cases = [
            (
                vendor(ErrorKind::InvalidRequest, 422, None),
                422,
                "upstream_rejected",
            ),
            (
                vendor(ErrorKind::InvalidRequest, 200, Some("2013")),
                400,
                "upstream_rejected",
            ),
            (
                vendor(ErrorKind::ContentPolicy, 200, Some("1026")),
                400,
                "content_policy_violation",
            ),
            (
                vendor(ErrorKind::RateLimited, 429, None),
                429,
                "rate_limit_exceeded",
            ),
            (
                vendor(ErrorKind::Overloaded, 503, None),
                503,
                "upstream_overloaded",
            ),
            (vendor(ErrorKind::Auth, 401, None), 502, "upstream_error"),
            (vendor(ErrorKind::Server, 500, None), 502, "upstream_error"),
            (vendor(ErrorKind::BadBody, 200, None), 502, "upstream_error"),
        ];
        for (e, status, code) in cases {
            let api = ApiError::from_vendor("p", &e);
            assert_eq!(api.status().as_u16(), status, "{e:?}");
            assert_eq!(api.body()["error"]["code"], code, "{e:?}");
        }
        let with_code =
            ApiError::from_vendor("p", &vendor(ErrorKind::ContentPolicy, 200, Some("1026")));
        assert!(with_code.to_string().contains("(code 1026)"));
    }

    #[test]
    fn envelope_carries_the_param() {
        let e = ApiError::BadRequest(Invalid::new("n", "'n' must be between 1 and 10"));
        let b = e.body();
        assert_eq!(b["error"]["param"], "n");
        assert_eq!(b["error"]["type"], "invalid_request_error");
        assert_eq!(b["error"]["message"], "'n' must be between 1 and 10");
    }
}
