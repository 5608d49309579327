//! Where the secret rules' keywords occur in a text: the prefilter ahead of
//! the per-line regexes.
//!
//! The keywords are matched without regard to ASCII case, and each
//! occurrence is reported, overlapping ones included (`pass` inside
//! `requirepass`), in text order. Most lines hold none, so the whole text is
//! first walked with an Aho-Corasick DFA that only notes where occurrences
//! end. A single walk waits on one table lookup per byte; four walks over
//! four parts of the text, stepped together, keep the processor busy (about
//! four times the bytes per second of one walk, docs/performance.md). Only
//! the lines found that way are searched again for the occurrences
//! themselves. A keyword never holds a newline, so an occurrence lies within
//! one line and the lines that hold none can be skipped.

use aho_corasick::automaton::{Automaton, OverlappingState};
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind};

use super::context::{line_end, line_start};

/// One keyword occurrence and the line holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Where the occurrence starts.
    pub start: usize,
    /// Index of the keyword in the list the prefilter was built from.
    pub keyword: usize,
    /// The line holding it: its first byte and its newline (or the text's end).
    pub line_start: usize,
    pub line_end: usize,
}

/// Texts shorter than this are walked once: splitting them gains nothing.
const SPLIT_AT: usize = 4096;

/// Keyword bytes above which the DFA (one row of transitions per keyword
/// byte) is not built: a rule set with that many keywords is searched with
/// the smaller automaton the crate picks, over the whole text.
const MAX_DFA_KEYWORD_BYTES: usize = 16 * 1024;

pub struct Keywords {
    search: Search,
}

enum Search {
    /// Keywords without a newline: the lines holding one, then the
    /// occurrences on those lines.
    Lines { dfa: Box<DFA>, longest: usize },
    /// Any other keyword set: every occurrence in the whole text.
    Whole(AhoCorasick),
}

impl Keywords {
    pub fn new(keywords: &[String]) -> Result<Self, String> {
        let bytes: usize = keywords.iter().map(String::len).sum();
        let by_line = keywords.iter().all(|k| !k.is_empty() && !k.contains('\n'));
        if by_line && bytes <= MAX_DFA_KEYWORD_BYTES {
            let built = DFA::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(keywords);
            if let Ok(dfa) = built {
                let longest = keywords.iter().map(String::len).max().unwrap_or(0);
                return Ok(Self { search: Search::Lines { dfa: Box::new(dfa), longest } });
            }
        }
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .map(|ac| Self { search: Search::Whole(ac) })
            .map_err(|e| e.to_string())
    }

    /// Calls `each` for every keyword occurrence in `text`, in the order
    /// one overlapping Aho-Corasick search of the whole text reports them
    /// (by where they end).
    pub fn each_hit(&self, text: &[u8], mut each: impl FnMut(Hit)) {
        match &self.search {
            Search::Lines { dfa, longest } => {
                let mut ends = Vec::new();
                occurrence_ends(dfa, *longest, text, &mut ends);
                ends.sort_unstable();
                let mut line: Option<(usize, usize)> = None;
                for end in ends {
                    // An occurrence ends after its last byte, never a newline.
                    let last = end.saturating_sub(1);
                    if line.is_some_and(|(start, stop)| start <= last && last < stop) {
                        continue;
                    }
                    let (start, stop) = (line_start(text, last), line_end(text, last));
                    line = Some((start, stop));
                    overlapping(dfa, text, start, stop, &mut each);
                }
            }
            Search::Whole(ac) => {
                let mut line: Option<(usize, usize)> = None;
                for m in ac.find_overlapping_iter(text) {
                    let at = m.start();
                    let (line_start, line_end) = match line {
                        Some((start, stop)) if start <= at && at < stop => (start, stop),
                        _ => (line_start(text, at), line_end(text, at)),
                    };
                    line = Some((line_start, line_end));
                    each(Hit { start: at, keyword: m.pattern().as_usize(), line_start, line_end });
                }
            }
        }
    }
}

/// Every occurrence on the line `start..stop` of `text`.
fn overlapping(dfa: &DFA, text: &[u8], start: usize, stop: usize, each: &mut impl FnMut(Hit)) {
    let input = Input::new(text).range(start..stop);
    let mut state = OverlappingState::start();
    // An unanchored search of a DFA built for it does not fail.
    while let Ok(()) = dfa.try_find_overlapping(&input, &mut state) {
        let Some(m) = state.get_match() else { break };
        each(Hit { start: m.start(), keyword: m.pattern().as_usize(), line_start: start, line_end: stop });
    }
}

/// Pushes onto `ends` the offset just past each place in `text` where a
/// keyword ends (a place may be pushed twice; not sorted).
fn occurrence_ends(dfa: &DFA, longest: usize, text: &[u8], ends: &mut Vec<usize>) {
    let Ok(start) = dfa.start_state(Anchored::No) else { return };
    if text.len() < SPLIT_AT {
        walk(dfa, start, text, 0, ends);
        return;
    }
    // Four parts of `part` bytes, the last one with the remainder; each
    // walk runs on past its part by `longest - 1` bytes, for an occurrence
    // across the border (the next walk starts fresh there).
    let part = text.len() / 4;
    let (a, rest) = text.split_at(part);
    let (b, rest) = rest.split_at(part);
    let (c, d) = rest.split_at(part);
    let mut s = [start; 4];
    for (i, (((&x, &y), &z), &w)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
        s = [
            dfa.next_state(Anchored::No, s[0], x),
            dfa.next_state(Anchored::No, s[1], y),
            dfa.next_state(Anchored::No, s[2], z),
            dfa.next_state(Anchored::No, s[3], w),
        ];
        if s.iter().any(|&sid| dfa.is_special(sid)) {
            for (k, &sid) in s.iter().enumerate() {
                if dfa.is_match(sid) {
                    ends.push(k * part + i + 1);
                }
            }
        }
    }
    for (k, sid) in s.into_iter().enumerate() {
        let from = (k + 1) * part;
        let to = if k == 3 { text.len() } else { (from + longest.saturating_sub(1)).min(text.len()) };
        walk(dfa, sid, text.get(from..to).unwrap_or_default(), from, ends);
    }
}

/// One walk over `text` (at `offset` in the whole) from state `sid`.
fn walk(dfa: &DFA, mut sid: aho_corasick::automaton::StateID, text: &[u8], offset: usize, ends: &mut Vec<usize>) {
    for (i, &byte) in text.iter().enumerate() {
        sid = dfa.next_state(Anchored::No, sid, byte);
        if dfa.is_special(sid) && dfa.is_match(sid) {
            ends.push(offset + i + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(keywords: &Keywords, text: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        keywords.each_hit(text, |h| hits.push(h));
        hits
    }

    /// The hits of a plain overlapping search of the whole text.
    fn reference(words: &[String], text: &[u8]) -> Vec<Hit> {
        let ac = AhoCorasickBuilder::new().ascii_case_insensitive(true).build(words).unwrap();
        ac.find_overlapping_iter(text)
            .map(|m| Hit {
                start: m.start(),
                keyword: m.pattern().as_usize(),
                line_start: line_start(text, m.start()),
                line_end: line_end(text, m.start()),
            })
            .collect()
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn finds_what_one_overlapping_search_finds() {
        let list = words(&["pass", "requirepass", "token", "_authtoken", "q~", "http://", "user ", "-----begin"]);
        let keywords = Keywords::new(&list).unwrap();
        assert!(matches!(keywords.search, Search::Lines { .. }));
        // Short and long texts (one walk and four), keywords across the
        // borders of the four parts, at the start and end of the text,
        // lines without a newline at the end, mixed case.
        let mut rng = 7u64;
        let mut next = || {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (rng >> 33) as usize
        };
        let pieces =
            ["Pass", "REQUIREPASS", "x_AuthToken=", "\n", " ", "q~", "HTTP://a", "user  ", "abc", "-----BEGIN"];
        for len in [0, 1, 10, 100, 4095, 4096, 4097, 5000, 20000, 70001] {
            let mut text = Vec::new();
            while text.len() < len {
                text.extend_from_slice(pieces[next() % pieces.len()].as_bytes());
            }
            text.truncate(len);
            assert_eq!(all(&keywords, &text), reference(&list, &text), "length {len}");
        }
        // A keyword straddling each border of the four parts.
        for shift in 0..12 {
            let mut text = vec![b'x'; 8000 + shift];
            for border in [2000 + shift / 4, 4000 + shift / 2, 6000 + shift * 3 / 4] {
                let at = border.saturating_sub(shift % 11);
                text.splice(at..at + 11, b"requirepass".iter().copied());
            }
            assert_eq!(all(&keywords, &text), reference(&list, &text), "shift {shift}");
        }
    }

    #[test]
    fn keywords_with_a_newline_search_the_whole_text() {
        let list = words(&["a\nb", "pass"]);
        let keywords = Keywords::new(&list).unwrap();
        assert!(matches!(keywords.search, Search::Whole(_)));
        let text = b"xx A\nB pass\npass";
        assert_eq!(all(&keywords, text), reference(&list, text));
    }
}
