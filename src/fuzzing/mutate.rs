//! A structure-aware mutation fuzzer that runs on the stable toolchain:
//! seeds (the test fixtures) are mutated byte-wise and token-wise, spliced
//! with each other, and grown by repetition, which is what finds depth,
//! quadratic and amplification bugs in config parsers. Deterministic for a
//! given seed, so a failure is reproducible from its case number.

/// xorshift64*: small, fast, and the same sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Largest input a mutation may produce; parsers' own byte caps are tested
/// separately, this keeps the fuzzer's cases fast.
pub const MAX_INPUT: usize = 256 * 1024;

/// One mutated input from `seeds`, using `dict` tokens for structure.
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    let mut data = match seeds.len() {
        0 => Vec::new(),
        n => seeds[rng.below(n)].clone(),
    };
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        apply(rng, &mut data, seeds, dict);
        if data.len() > MAX_INPUT {
            data.truncate(MAX_INPUT);
        }
    }
    data
}

fn apply(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>], dict: &[&[u8]]) {
    let len = data.len();
    let at = |rng: &mut Rng| rng.below(len + 1);
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = at(rng);
            data.insert(i, INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())]);
        }
        2 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64)).min(len);
            data.drain(start..end);
        }
        3 if len > 0 => {
            // Duplicate a chunk in place: repeated keys, blocks, documents.
            let start = rng.below(len);
            let end = (start + 1 + rng.below(256)).min(len);
            let chunk = data[start..end].to_vec();
            let i = at(rng);
            data.splice(i..i, chunk);
        }
        4 | 5 if !dict.is_empty() => {
            let token = dict[rng.below(dict.len())];
            let i = at(rng);
            data.splice(i..i, token.iter().copied());
        }
        6 if seeds.len() > 1 => {
            // Splice: our head, another seed's tail.
            let other = &seeds[rng.below(seeds.len())];
            let cut = at(rng);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        7 if !dict.is_empty() => {
            // Grow by repetition: nesting and amplification.
            let token = dict[rng.below(dict.len())];
            let times = 16 << rng.below(8);
            let i = at(rng);
            let chunk: Vec<u8> = token.iter().copied().cycle().take(token.len() * times).collect();
            data.splice(i..i, chunk);
        }
        8 if len > 1 => {
            data.truncate(rng.below(len));
        }
        9 if len > 0 => {
            let i = rng.below(len);
            data[i] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
        }
        _ => {
            // Multi-byte UTF-8 where ASCII is expected: slicing bugs.
            let s = ["é", "€", "😀", "\u{feff}", "\u{202e}", "\u{0}"][rng.below(6)];
            let i = at(rng);
            data.splice(i..i, s.bytes());
        }
    }
}

const INTERESTING_BYTES: &[u8] = b"\0\n\r\t \"'`\\{}[]()<>:;,=#$%&*!|-_./@~\x7f\x80\xc3\xff0123456789";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_bounded() {
        let seeds = vec![b"a: 1\nb: [x, y]\n".to_vec(), b"{}".to_vec()];
        let dict: [&[u8]; 5] = [b"[", b"{", b"- ", b"&a ", b"*a"];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..200).map(|_| mutate(&mut rng, &seeds, &dict)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(9).iter().all(|c| c.len() <= MAX_INPUT));
    }
}
