//! Bit masks over a Go name table, one bit per byte: where the names end (NUL) and where
//! the quick package rule stops (`/`, `[`). Built 64 bytes at a time (SSE2 on x86-64), so
//! walking ten thousand names costs a few instructions a name instead of a search each.

/// The masks of one table: bit `i % 64` of word `i / 64` stands for byte `i`.
pub(crate) struct NameMasks {
    /// The table's length in bytes.
    len: usize,
    nul: Vec<u64>,
    slash_or_bracket: Vec<u64>,
}

impl NameMasks {
    pub fn new(table: &[u8]) -> Self {
        let words = table.len().div_ceil(64);
        let mut nul = vec![0u64; words];
        let mut slash_or_bracket = vec![0u64; words];
        for ((block, n), s) in table.chunks(64).zip(&mut nul).zip(&mut slash_or_bracket) {
            (*n, *s) = block_masks(block);
        }
        NameMasks {
            len: table.len(),
            nul,
            slash_or_bracket,
        }
    }

    /// Calls `f(start, end)` for every name of the table: each non-empty run of bytes
    /// ended by a NUL or by the end of the table. The NUL bits are taken a word at a time,
    /// without a search per name.
    pub fn for_each_name(&self, mut f: impl FnMut(usize, usize)) {
        let mut start = 0;
        for (word, &bits) in self.nul.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let end = word * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if end > start {
                    f(start, end);
                }
                start = end + 1;
            }
        }
        if start < self.len {
            f(start, self.len);
        }
    }

    /// Whether a `/` or `[` lies in `from..end`: for a name shorter than 64 bytes two
    /// words at most, combined without a branch on where the name crosses a word.
    #[inline]
    pub fn any_slash_or_bracket(&self, from: usize, end: usize) -> bool {
        if from >= end {
            return false;
        }
        let (first, last) = (from / 64, (end - 1) / 64);
        if last > first + 1 {
            return next_bit(&self.slash_or_bracket, from, end).is_some();
        }
        let low = u64::MAX << (from % 64);
        let high = u64::MAX >> (63 - (end - 1) % 64);
        let a = self.slash_or_bracket.get(first).copied().unwrap_or(0) & low;
        let b = self.slash_or_bracket.get(last).copied().unwrap_or(0) & high;
        let bits = if first == last { a & high } else { a | b };
        bits != 0
    }

    /// The first `/` or `[` in `from..end`.
    pub fn next_slash_or_bracket(&self, from: usize, end: usize) -> Option<usize> {
        next_bit(&self.slash_or_bracket, from, end)
    }
}

/// The first set bit at or after `from` and before `end`.
fn next_bit(masks: &[u64], from: usize, end: usize) -> Option<usize> {
    let mut word = from / 64;
    let mut bits = masks.get(word)? & (u64::MAX << (from % 64));
    while bits == 0 {
        word += 1;
        if word * 64 >= end {
            return None;
        }
        bits = *masks.get(word)?;
    }
    let at = word * 64 + bits.trailing_zeros() as usize;
    (at < end).then_some(at)
}

/// The masks of a block of up to 64 bytes, a byte at a time.
fn masks_scalar(block: &[u8]) -> (u64, u64) {
    let mut nul = 0u64;
    let mut slash_or_bracket = 0u64;
    for (i, &c) in block.iter().enumerate().take(64) {
        nul |= u64::from(c == 0) << i;
        slash_or_bracket |= u64::from(c == b'/' || c == b'[') << i;
    }
    (nul, slash_or_bracket)
}

/// The masks of a 64-byte block.
#[cfg(target_arch = "x86_64")]
fn block_masks(block: &[u8]) -> (u64, u64) {
    if block.len() != 64 {
        return masks_scalar(block);
    }
    // SAFETY: SSE2 is part of the x86-64 baseline, so the function's target feature is
    // always present; it reads only through the 64-byte slice it is given.
    unsafe { block_masks_sse2(block) }
}

#[cfg(not(target_arch = "x86_64"))]
fn block_masks(block: &[u8]) -> (u64, u64) {
    masks_scalar(block)
}

/// # Safety
/// `block` must hold 64 bytes, and the CPU must have SSE2 (every x86-64 CPU has).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn block_masks_sse2(block: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_setzero_si128,
    };
    let zero = _mm_setzero_si128();
    let slash = _mm_set1_epi8(b'/' as i8);
    let bracket = _mm_set1_epi8(b'[' as i8);
    let mut nul = 0u64;
    let mut slash_or_bracket = 0u64;
    for (k, part) in block.chunks_exact(16).take(4).enumerate() {
        // SAFETY: `part` holds 16 bytes; the load has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(part.as_ptr().cast::<__m128i>()) };
        let z = _mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) as u16;
        let s = _mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, slash),
            _mm_cmpeq_epi8(v, bracket),
        )) as u16;
        nul |= u64::from(z) << (16 * k);
        slash_or_bracket |= u64::from(s) << (16 * k);
    }
    (nul, slash_or_bracket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_masks_agree_with_the_scalar_masks() {
        let mut block = [b'a'; 64];
        for (i, c) in block.iter_mut().enumerate() {
            *c = match i % 7 {
                0 => 0,
                3 => b'/',
                5 => b'[',
                6 => 0xff,
                _ => b'a' + i as u8 % 26,
            };
        }
        assert_eq!(block_masks(&block), masks_scalar(&block));
        for shift in 0..64 {
            let mut b = [b'x'; 64];
            b[shift] = 0;
            b[63 - shift] = b'[';
            assert_eq!(block_masks(&b), masks_scalar(&b), "shift {shift}");
        }
    }

    #[test]
    fn names_and_searches_stay_in_range() {
        let mut table = vec![b'a'; 200];
        table[5] = 0;
        table[70] = b'/';
        table[130] = 0;
        table[199] = b'[';
        let m = NameMasks::new(&table);
        let mut names = Vec::new();
        m.for_each_name(|s, e| names.push((s, e)));
        assert_eq!(names, vec![(0, 5), (6, 130), (131, 200)]);
        assert_eq!(m.next_slash_or_bracket(6, 130), Some(70));
        assert_eq!(m.next_slash_or_bracket(6, 70), None);
        assert_eq!(m.next_slash_or_bracket(71, 199), None);
        assert_eq!(m.next_slash_or_bracket(71, 200), Some(199));
        // Empty names and a table ending without a NUL.
        let short = NameMasks::new(b"\0\0a.b\0\0c.d");
        let mut names = Vec::new();
        short.for_each_name(|s, e| names.push((s, e)));
        assert_eq!(names, vec![(2, 5), (7, 10)]);
        // Every search agrees with a plain one, across word boundaries.
        for from in 0..table.len() {
            for end in from..=table.len() {
                let want = table[from..end]
                    .iter()
                    .position(|&c| c == b'/' || c == b'[')
                    .map(|p| from + p);
                assert_eq!(m.next_slash_or_bracket(from, end), want, "{from}..{end}");
            }
            for end in from..=table.len() {
                let want = table[from..end].iter().any(|&c| c == b'/' || c == b'[');
                assert_eq!(m.any_slash_or_bracket(from, end), want, "{from}..{end}");
            }
        }
    }
}
