//! Extractors whose rejections are `ApiError`s naming the bad field, instead
//! of axum's plain-text defaults.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; malformed JSON is 400, well-formed JSON of the wrong shape
/// 422 with the field's path (`candidates[0].model`).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !is_json {
            return Err(ApiError::BadRequest {
                field: None,
                message: "expected a JSON body with Content-Type: application/json".into(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest {
                field: None,
                message: e.body_text(),
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The field named in serde's "missing field `x`" / "unknown field `x`".
fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.classify() != serde_json::error::Category::Data {
                return Err(ApiError::BadRequest {
                    field: None,
                    message: format!("invalid JSON: {inner}"),
                });
            }
            let msg = inner.to_string();
            let named = (msg.starts_with("missing field") || msg.starts_with("unknown field"))
                .then(|| backticked(&msg))
                .flatten();
            let field = match (path.as_str(), named) {
                (".", Some(n)) => n.to_owned(),
                (p, Some(n)) if !p.ends_with(n) => format!("{p}.{n}"),
                (p, _) => p.to_owned(),
            };
            let message = format!("{field}: {msg}");
            return Err(ApiError::Invalid { field, message });
        }
    };
    de.end().map_err(|e| ApiError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    Ok(value)
}

/// Query parameters; a bad one is 400 with axum's message (which names it).
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryParams(v))
            .map_err(|e| ApiError::BadRequest {
                field: None,
                message: e.body_text(),
            })
    }
}

/// A numeric `{id}` path segment.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| PathId(id))
            .map_err(|_| ApiError::BadRequest {
                field: Some("id".into()),
                message: "id: expected an integer id in the path".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::RouteCreate;

    fn field_of(json: &str) -> (u16, Option<String>) {
        match parse_json::<RouteCreate>(json.as_bytes()) {
            Ok(_) => (200, None),
            Err(e) => {
                let status = e.status().as_u16();
                let field = match e {
                    ApiError::Invalid { field, .. } => Some(field),
                    _ => None,
                };
                (status, field)
            }
        }
    }

    #[test]
    fn names_the_field() {
        let cases: &[(&str, u16, Option<&str>)] = &[
            (r#"{"alias":"a"}"#, 200, None),
            (r#"{"alias":1}"#, 422, Some("alias")),
            (r#"{}"#, 422, Some("alias")),
            (r#"{"alias":"a","bogus":1}"#, 422, Some("bogus")),
            (
                r#"{"alias":"a","candidates":[{"provider_id":1}]}"#,
                422,
                Some("candidates[0].model"),
            ),
            (
                r#"{"alias":"a","candidates":[{"provider_id":"x","model":"m"}]}"#,
                422,
                Some("candidates[0].provider_id"),
            ),
            (r#"{"alias":"#, 400, None),
            (r#"{"alias":"a"} trailing"#, 400, None),
        ];
        for (json, status, field) in cases {
            assert_eq!(
                field_of(json),
                (*status, field.map(str::to_owned)),
                "input {json}"
            );
        }
    }
}
