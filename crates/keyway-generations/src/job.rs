//! The job as clients see it (protocols.md §5.1–§5.2) and the Keyway-side
//! state kept beside it in the store row.
//!
//! `GenerationJob.request` holds `Meta` (the client's request plus adapter
//! state); `outputs` the normalized outputs; `error` a `JobError`.

use keyway_store::GenerationJob;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Status::Queued,
            "running" => Status::Running,
            "succeeded" => Status::Succeeded,
            "failed" => Status::Failed,
            "canceled" => Status::Canceled,
            "expired" => Status::Expired,
            _ => return None,
        })
    }
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Queued | Status::Running)
    }
}

/// Normalized job error (§5.2): `type` is one of `upstream_error`,
/// `content_policy_violation`, `invalid_request_error`, `timeout`;
/// `provider_code` keeps the vendor's raw code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub provider_code: Option<String>,
}

impl JobError {
    pub fn timeout(message: impl Into<String>) -> Self {
        JobError {
            kind: "timeout".into(),
            code: "deadline_exceeded".into(),
            message: message.into(),
            provider_code: None,
        }
    }
}

/// Keyway's state for a job, stored in `GenerationJob.request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The client's request body as received.
    pub params: Value,
    /// Which adapter owns the upstream task (`adapters::Kind::name`).
    pub adapter: String,
    /// Adapter state between polls (e.g. MiniMax's `file_id`).
    #[serde(default)]
    pub task_state: Value,
    /// Index of the provider key the task was created with.
    #[serde(default)]
    pub key_index: usize,
    #[serde(default)]
    pub progress: Option<u32>,
    #[serde(default)]
    pub usage: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default)]
    pub completed_at: Option<i64>,
    /// Polls so far (drives the backoff).
    #[serde(default)]
    pub polls: u32,
    /// The last transient poll failure, for operators.
    #[serde(default)]
    pub last_poll_error: Option<String>,
}

impl Meta {
    pub fn of(job: &GenerationJob) -> Meta {
        serde_json::from_value(job.request.clone()).unwrap_or_default()
    }
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// The job object returned by every endpoint.
pub fn view(job: &GenerationJob) -> Value {
    let meta = Meta::of(job);
    let status = Status::parse(&job.status).unwrap_or(Status::Failed);
    let progress = match status {
        Status::Succeeded => Some(100),
        _ => meta.progress,
    };
    let outputs = if job.outputs.is_array() {
        job.outputs.clone()
    } else {
        json!([])
    };
    json!({
        "id": job.id,
        "object": "generation",
        "model": job.alias,
        "modality": job.modality,
        "status": status.as_str(),
        "progress": progress,
        "created_at": secs(job.created_at),
        "updated_at": secs(job.updated_at),
        "completed_at": meta.completed_at.map(secs),
        "expires_at": null,
        "outputs": outputs,
        "usage": meta.usage,
        "error": job.error,
        "metadata": meta.metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str) -> GenerationJob {
        GenerationJob {
            id: "gen_1".into(),
            group_id: 1,
            key_id: Some(2),
            alias: "draw".into(),
            provider_id: 3,
            upstream_model: "wan".into(),
            modality: "image".into(),
            status: status.into(),
            upstream_task_id: Some("secret-upstream-id".into()),
            request: Meta {
                params: json!({"model": "draw"}),
                adapter: "dashscope_wan_image".into(),
                progress: Some(40),
                metadata: Some(Map::from_iter([("k".to_string(), json!("v"))])),
                ..Meta::default()
            }
            .to_value(),
            outputs: json!([]),
            error: None,
            created_at: 1_700_000_000_123,
            updated_at: 1_700_000_001_999,
            next_poll_at: None,
            deadline_at: None,
        }
    }

    #[test]
    fn view_hides_upstream_ids_and_uses_seconds() {
        let v = view(&job("running"));
        assert_eq!(v["id"], "gen_1");
        assert_eq!(v["model"], "draw");
        assert_eq!(v["status"], "running");
        assert_eq!(v["progress"], 40);
        assert_eq!(v["created_at"], 1_700_000_000);
        assert_eq!(v["updated_at"], 1_700_000_001);
        assert_eq!(v["metadata"]["k"], "v");
        assert!(!v.to_string().contains("secret-upstream-id"));
        assert!(!v.to_string().contains("dashscope_wan_image"));
        assert_eq!(view(&job("succeeded"))["progress"], 100);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "queued",
            "running",
            "succeeded",
            "failed",
            "canceled",
            "expired",
        ] {
            assert_eq!(Status::parse(s).unwrap().as_str(), s);
        }
        assert!(Status::parse("done").is_none());
        assert!(!Status::Running.is_final());
        assert!(Status::Expired.is_final());
    }
}
