//! A `text/event-stream` response on its way to the client, rewritten event
//! by event without I/O: the host pushes the origin's chunks in and sends on
//! what comes out.
//!
//! Two jobs. While a list request of the same POST awaits its answer, each
//! complete event is read (HTML Living Standard §9.2.6: lines end with CRLF,
//! LF or CR; an empty line ends an event; `data` lines join with LF) and the
//! one carrying the list's response is rewritten by the [`ListFilter`]; every
//! other event goes out byte for byte, as soon as its last line arrived. Once
//! no list answer is pending, bytes go out as they come, unread. And when the
//! token expires, the stream ends at an event boundary
//! ([`close_at_boundary`](EventStreamRewriter::close_at_boundary)), so the
//! client sees whole events only, reconnects, and presents a fresh token.

use crate::list_filter::ListFilter;

/// The longest event held back while a list answer is pending; a longer one
/// goes out unfiltered (a list is a convenience, each call is still decided).
pub const MAX_HELD_EVENT: usize = 8 * 1024 * 1024;

/// A stream being forwarded.
#[derive(Debug)]
pub struct EventStreamRewriter {
    filter: Option<ListFilter>,
    /// The start of an event not yet sent (only while a list answer is pending).
    held: Vec<u8>,
    /// True when nothing has been seen on the current line yet.
    line_empty: bool,
    /// The last byte was CR (a following LF belongs to the same line ending).
    after_cr: bool,
    /// Everything sent so far ends at an event boundary.
    at_boundary: bool,
    /// Send up to the next boundary, then end.
    closing: bool,
    ended: bool,
}

impl EventStreamRewriter {
    /// A rewriter that filters list answers with `filter`, if any.
    pub fn new(filter: Option<ListFilter>) -> Self {
        let filter = filter.filter(|f| !f.done());
        EventStreamRewriter { filter, held: Vec::new(), line_empty: true, after_cr: false, at_boundary: true, closing: false, ended: false }
    }

    /// True once the stream should end: after [`close_at_boundary`](Self::close_at_boundary), at the boundary.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The token expired: end at the next event boundary (now, if what was
    /// sent ends at one). An event held back and not yet complete is dropped:
    /// the client never saw any of it.
    pub fn close_at_boundary(&mut self) {
        self.closing = true;
        self.held.clear();
        if self.at_boundary || self.filter.is_some() {
            self.ended = true;
        }
    }

    /// The origin's next chunk: the bytes to send now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.ended {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(chunk.len());
        let mut start = 0;
        for (i, &b) in chunk.iter().enumerate() {
            let boundary = self.step(b);
            if !boundary {
                continue;
            }
            // An event ends after byte `i`.
            if self.filter.is_some() {
                self.held.extend_from_slice(&chunk[start..=i]);
                start = i + 1;
                let event = std::mem::take(&mut self.held);
                out.extend(self.rewrite(event));
            } else if self.closing {
                out.extend_from_slice(&chunk[start..=i]);
                self.ended = true;
                return out;
            }
        }
        let rest = &chunk[start..];
        if self.filter.is_some() {
            self.held.extend_from_slice(rest);
            if self.held.len() > MAX_HELD_EVENT {
                // Too long to hold: sent as it is, and nothing more is read.
                self.filter = None;
                out.append(&mut self.held);
            }
        } else {
            out.extend_from_slice(rest);
        }
        out
    }

    /// The origin's stream ended: whatever is still held, as it came.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }

    /// Advances the line state by one byte; true if an event ends with it.
    fn step(&mut self, b: u8) -> bool {
        let was_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        match b {
            // The LF of a CRLF: the line ended at the CR.
            b'\n' if was_cr => {
                self.at_boundary = self.line_empty && self.at_boundary;
                false
            }
            b'\r' | b'\n' => {
                let ends_event = self.line_empty;
                self.line_empty = true;
                self.at_boundary = ends_event;
                ends_event
            }
            _ => {
                self.line_empty = false;
                self.at_boundary = false;
                false
            }
        }
    }

    /// A complete event while a list answer is pending: the bytes to send for it.
    fn rewrite(&mut self, event: Vec<u8>) -> Vec<u8> {
        let Some(filter) = self.filter.as_mut() else { return event };
        let text = String::from_utf8_lossy(&event);
        let mut data: Vec<&str> = Vec::new();
        let mut others: Vec<&str> = Vec::new();
        for line in text.split_terminator(['\n', '\r']).filter(|l| !l.is_empty()) {
            match line.strip_prefix("data") {
                Some(value) if value.is_empty() || value.starts_with(':') => {
                    let value = value.strip_prefix(':').unwrap_or(value);
                    data.push(value.strip_prefix(' ').unwrap_or(value));
                }
                _ => others.push(line),
            }
        }
        let rewritten = if data.is_empty() { None } else { filter.filter_message(data.join("\n").as_bytes()) };
        if filter.done() {
            self.filter = None;
        }
        match rewritten {
            None => event,
            Some(json) => {
                let mut out = Vec::with_capacity(json.len() + 64);
                for line in others {
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(&json);
                out.extend_from_slice(b"\n\n");
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    fn filter() -> ListFilter {
        let p = Policy::from_json(
            r#"{"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"tools":{"update_pet_profile":["pet-profile:write"]}}"#,
        )
        .unwrap();
        ListFilter::new(&p, vec![], br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap()
    }

    const LIST: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"get_pet_profile"},{"name":"update_pet_profile"}]}}"#;

    /// Pushes `input` split at every position in `cuts`, returns all output.
    fn run(mut r: EventStreamRewriter, input: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        for &c in cuts.iter().chain([input.len()].iter()) {
            out.extend(r.push(&input[at..c]));
            at = c;
        }
        out.extend(r.finish());
        out
    }

    #[test]
    fn the_list_event_is_rewritten_and_the_rest_passes_as_it_came() {
        let input = format!("event: message\r\nid: a1\r\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}}\r\n\r\n: keepalive\n\nevent: message\nid: a2\ndata: {LIST}\n\n");
        let expected = format!(
            "event: message\r\nid: a1\r\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}}\r\n\r\n: keepalive\n\nevent: message\nid: a2\ndata: {}\n\n",
            r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"get_pet_profile"}]}}"#
        );
        // Every way of cutting the stream into two chunks gives the same bytes.
        for cut in 0..=input.len() {
            assert_eq!(String::from_utf8(run(EventStreamRewriter::new(Some(filter())), input.as_bytes(), &[cut])).unwrap(), expected, "cut at {cut}");
        }
        // Without a filter, nothing changes.
        assert_eq!(run(EventStreamRewriter::new(None), input.as_bytes(), &[5, 40]), input.as_bytes());
    }

    #[test]
    fn after_the_answer_bytes_go_out_unread() {
        let mut r = EventStreamRewriter::new(Some(filter()));
        assert_eq!(r.push(b"data: {\"jsonrpc\":\"2.0\",\"id\":9"), b"");
        assert!(!r.push(b",\"result\":{}}\n\n").is_empty());
        let out = r.push(format!("data: {LIST}\n\ndata: par").as_bytes());
        assert!(String::from_utf8(out).unwrap().contains(r#"[{"name":"get_pet_profile"}]"#));
        // Answered: the partial event above was held only until then; now a chunk goes out at once.
        assert_eq!(r.push(b"tial\n"), b"tial\n");
    }

    #[test]
    fn closing_waits_for_the_event_boundary() {
        let mut r = EventStreamRewriter::new(None);
        assert_eq!(r.push(b"data: one\n\ndata: tw"), b"data: one\n\ndata: tw");
        r.close_at_boundary();
        assert!(!r.ended());
        assert_eq!(r.push(b"o\n\ndata: three\n\n"), b"o\n\n");
        assert!(r.ended());
        assert_eq!(r.push(b"data: four\n\n"), b"");

        let mut r = EventStreamRewriter::new(None);
        r.push(b"data: one\r\n\r\n");
        r.close_at_boundary();
        assert!(r.ended(), "at a boundary: ends at once");

        // While filtering, a partial event was never sent: ending now is clean.
        let mut r = EventStreamRewriter::new(Some(filter()));
        assert_eq!(r.push(b"data: {\"jsonrpc\""), b"");
        r.close_at_boundary();
        assert!(r.ended());
        assert_eq!(r.finish(), b"");
    }

    #[test]
    fn an_event_too_long_to_hold_goes_out_unfiltered() {
        let mut r = EventStreamRewriter::new(Some(filter()));
        let big = vec![b'x'; MAX_HELD_EVENT + 1];
        let out = r.push(&big);
        assert_eq!(out.len(), big.len());
        assert_eq!(r.push(format!("\n\ndata: {LIST}\n\n").as_bytes()), format!("\n\ndata: {LIST}\n\n").as_bytes());
    }
}
