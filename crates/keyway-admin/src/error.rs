//! One error type for the admin API. Every variant becomes
//! `{"error":{"code","message","field"}}` with the status in its doc comment;
//! database failures become 500 without their text.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use keyway_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be parsed (bad JSON, wrong types, bad query).
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    /// 401: no valid session or admin token.
    #[error("authentication required")]
    Unauthorized,
    /// 401: login failed.
    #[error("invalid username or password")]
    BadCredentials,
    /// 403: a session request that changes state without the CSRF token.
    #[error("missing or invalid CSRF token (send the x-csrf-token header)")]
    Csrf,
    /// 404
    #[error("{0} not found")]
    NotFound(String),
    /// 409: a uniqueness rule (name, alias) was broken.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// 409: the object is declared in the config file and read-only here.
    #[error("{0} is managed by the config file and read-only here; edit the config file and reload (SIGHUP) instead")]
    ManagedByConfig(String),
    /// 422: well-formed input that breaks a rule; names the field.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// 429: too many failed logins.
    #[error("too many failed login attempts; retry in {retry_after} s")]
    Throttled { retry_after: u64 },
    /// 500: logged server-side, never shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } | ApiError::ManagedByConfig(_) => StatusCode::CONFLICT,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Csrf => "csrf",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::ManagedByConfig(_) => "managed_by_config",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Throttled { .. } => "throttled",
            ApiError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ApiError::BadRequest { field, .. } | ApiError::Conflict { field, .. } => {
                field.as_deref()
            }
            ApiError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The JSON error body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: bad_request, unauthorized, csrf, not_found, conflict,
    /// managed_by_config, invalid, throttled, internal.
    pub code: String,
    pub message: String,
    /// The offending input field, when one is to blame.
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "admin API internal error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.to_string(),
                field: self.field().map(str::to_owned),
            },
        };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let ApiError::Throttled { retry_after } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what.to_owned()),
            StoreError::Conflict(message) => ApiError::Conflict {
                field: None,
                message,
            },
            StoreError::Invalid(message) => ApiError::Invalid {
                field: String::new(),
                message,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
