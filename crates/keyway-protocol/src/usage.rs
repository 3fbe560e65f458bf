//! Token usage in one protocol-neutral shape.

/// Token counts for one request.
///
/// Semantics follow Anthropic: `input_tokens` EXCLUDES cached tokens, so the
/// total prompt size is `input + cache_read + cache_creation` (see
/// [`Usage::total_input_tokens`]). Converters from OpenAI bodies subtract the
/// cached part out of `prompt_tokens`, so nothing is ever counted twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cache_creation_tokens: Option<i64>,
}

impl Usage {
    /// Overlay `other` on `self`: every field `other` knows wins, because
    /// streamed usage is cumulative and later snapshots are more complete.
    pub fn merge(&mut self, other: &Usage) {
        fn over(dst: &mut Option<i64>, src: Option<i64>) {
            if src.is_some() {
                *dst = src;
            }
        }
        over(&mut self.input_tokens, other.input_tokens);
        over(&mut self.output_tokens, other.output_tokens);
        over(&mut self.cache_read_tokens, other.cache_read_tokens);
        over(&mut self.cache_creation_tokens, other.cache_creation_tokens);
    }

    /// True when no field is known.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }

    /// Whole prompt size: uncached input plus cache reads and writes.
    pub fn total_input_tokens(&self) -> i64 {
        self.input_tokens.unwrap_or(0)
            + self.cache_read_tokens.unwrap_or(0)
            + self.cache_creation_tokens.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_overwrites_only_known_fields() {
        let mut a = Usage {
            input_tokens: Some(10),
            output_tokens: Some(1),
            cache_read_tokens: Some(3),
            cache_creation_tokens: None,
        };
        a.merge(&Usage {
            output_tokens: Some(42),
            cache_creation_tokens: Some(7),
            ..Usage::default()
        });
        assert_eq!(
            a,
            Usage {
                input_tokens: Some(10),
                output_tokens: Some(42),
                cache_read_tokens: Some(3),
                cache_creation_tokens: Some(7),
            }
        );
        assert_eq!(a.total_input_tokens(), 20);
        assert!(!a.is_empty());
        assert!(Usage::default().is_empty());
    }
}
