//! Splits MiniMax-style inline reasoning (`<think>…</think>` in `content`)
//! from the answer text, incrementally: tags may be cut anywhere between
//! stream chunks.

const OPEN_TAGS: &[&str] = &["<think>", "<mm:think>"];
const CLOSE_TAGS: &[&str] = &["</think>", "</mm:think>"];

/// A run of reasoning or answer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Thinking(String),
    Text(String),
}

/// Incremental `<think>` splitter. Leading whitespace of a thinking run and
/// of the text right after `</think>` is dropped (the vendor pads with
/// newlines), independent of where the chunks were cut.
#[derive(Debug, Default, Clone)]
pub struct ThinkSplitter {
    in_think: bool,
    /// Tail that may be the start of a tag; held until the next push.
    pending: String,
    /// Still skipping whitespace at the start of a run.
    trim: bool,
}

impl ThinkSplitter {
    pub fn new() -> Self {
        ThinkSplitter::default()
    }

    /// Feed a content fragment; returns the complete pieces it yields.
    pub fn push(&mut self, s: &str) -> Vec<Piece> {
        let mut buf = std::mem::take(&mut self.pending);
        buf.push_str(s);
        let mut out = Vec::new();
        let mut rest = buf.as_str();
        loop {
            let tags = if self.in_think { CLOSE_TAGS } else { OPEN_TAGS };
            match find_tag(rest, tags) {
                Some((at, len)) => {
                    self.emit(&rest[..at], &mut out);
                    self.in_think = !self.in_think;
                    self.trim = true;
                    rest = &rest[at + len..];
                }
                None => {
                    let keep = partial_tag_suffix(rest, tags);
                    let (now, later) = rest.split_at(rest.len() - keep);
                    self.emit(now, &mut out);
                    self.pending = later.to_owned();
                    break;
                }
            }
        }
        out
    }

    /// End of content: a held partial tag is plain text after all.
    pub fn finish(&mut self) -> Vec<Piece> {
        let rest = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        self.emit(&rest, &mut out);
        out
    }

    fn emit(&mut self, s: &str, out: &mut Vec<Piece>) {
        let s = if self.trim {
            let t = s.trim_start();
            if !t.is_empty() {
                self.trim = false;
            }
            t
        } else {
            s
        };
        if s.is_empty() {
            return;
        }
        let piece = if self.in_think {
            Piece::Thinking(s.to_owned())
        } else {
            Piece::Text(s.to_owned())
        };
        append(out, piece);
    }
}

/// Push a piece, joining it to the last one when they are the same kind.
fn append(out: &mut Vec<Piece>, piece: Piece) {
    match (out.last_mut(), piece) {
        (Some(Piece::Thinking(a)), Piece::Thinking(b)) => a.push_str(&b),
        (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
        (_, p) => out.push(p),
    }
}

/// Earliest occurrence of any tag: (byte offset, tag length).
fn find_tag(s: &str, tags: &[&str]) -> Option<(usize, usize)> {
    tags.iter()
        .filter_map(|t| s.find(t).map(|i| (i, t.len())))
        .min_by_key(|(i, _)| *i)
}

/// Length of the longest suffix of `s` that is a proper prefix of a tag.
fn partial_tag_suffix(s: &str, tags: &[&str]) -> usize {
    let mut best = 0;
    for tag in tags {
        for len in 1..tag.len() {
            if len > s.len() || len <= best {
                continue;
            }
            if s.is_char_boundary(s.len() - len) && s.ends_with(&tag[..len]) {
                best = len;
            }
        }
    }
    best
}

/// Split a whole (non-streamed) content string.
pub fn split_all(s: &str) -> Vec<Piece> {
    let mut sp = ThinkSplitter::new();
    let mut out = Vec::new();
    for p in sp.push(s).into_iter().chain(sp.finish()) {
        append(&mut out, p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&str]) -> Vec<Piece> {
        let mut sp = ThinkSplitter::new();
        let mut all = Vec::new();
        for c in chunks {
            for p in sp.push(c) {
                append(&mut all, p);
            }
        }
        for p in sp.finish() {
            append(&mut all, p);
        }
        all
    }

    fn th(s: &str) -> Piece {
        Piece::Thinking(s.into())
    }
    fn tx(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, Vec<Piece>)> = vec![
            (
                "<think>\nhmm</think>\n\nHello",
                vec![th("hmm"), tx("Hello")],
            ),
            ("plain answer", vec![tx("plain answer")]),
            ("<mm:think>a</mm:think>b", vec![th("a"), tx("b")]),
            ("a < b and <thin", vec![tx("a < b and <thin")]),
            ("<think>unfinished", vec![th("unfinished")]),
            ("x<think>y</think>z", vec![tx("x"), th("y"), tx("z")]),
            (
                "<think>中文推理</think>答案",
                vec![th("中文推理"), tx("答案")],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(split_all(input), want, "{input:?}");
        }
    }

    #[test]
    fn every_split_point_gives_same_pieces() {
        let input = "<think>\nstep 1 < 2\n</think>\n\nThe answer: 42 <b>";
        let want = split_all(input);
        assert_eq!(want, vec![th("step 1 < 2\n"), tx("The answer: 42 <b>")]);
        for i in 0..=input.len() {
            if !input.is_char_boundary(i) {
                continue;
            }
            for j in i..=input.len() {
                if !input.is_char_boundary(j) {
                    continue;
                }
                let got = run(&[&input[..i], &input[i..j], &input[j..]]);
                assert_eq!(got, want, "split {i},{j}");
            }
        }
    }
}
