//! One Go function name at a time: where it ends in the name table (eight or thirty-two
//! bytes at a time), whether it stays in a package, and the package `debug/gosym` derives
//! from it, with the linker's `%xx` escapes undone.

use std::borrow::Cow;

use crate::elf::view::lossy;

/// The end of the name starting at `start` in `table` when its package is `pkg`: the
/// name is `pkg.rest` and `rest` holds no `/` or `[` (`package_of` never returns a package
/// whose last element holds a dot), or its first such byte opens type arguments that
/// keep the package. Finds the end of the name on the way.
#[inline(always)]
pub(super) fn name_in_package(table: &[u8], start: usize, pkg: &[u8]) -> Option<usize> {
    let dot = start + pkg.len();
    if table.get(dot) != Some(&b'.') || !same_bytes(&table[start..dot], pkg) {
        return None;
    }
    let tail = &table[dot + 1..];
    let (stop, ends) = first_nul_slash_or_bracket(tail);
    if ends {
        Some(dot + 1 + stop)
    } else if tail[stop] == b'[' {
        let end = dot + 1 + stop + first_nul(&tail[stop..]);
        generic_keeps_package(&table[dot + 1 + stop..end]).then_some(end)
    } else {
        None
    }
}

/// `a == b` for slices of equal length, eight bytes at a time and inline: package paths
/// are short, and the comparison runs once per name.
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    // Whole words, then the last eight bytes (overlapping the previous word).
    (0..n / 8).all(|k| word(a, 8 * k) == word(b, 8 * k)) && word(a, n - 8) == word(b, n - 8)
}

/// The index of the first NUL, `/` or `[` in `b` (`b.len()` if none), and whether it
/// ends the name there (a NUL, or the end of `b`). Thirty-two bytes at a time (eight near
/// the end), so that most names end in the first step whatever their length: names are
/// short, and a call into a general SIMD search costs more than it saves.
pub(super) fn first_nul_slash_or_bracket(b: &[u8]) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Marks the zero bytes of `w`; the lowest mark is always a real zero byte.
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = b.get(i..i + 32) {
        // SAFETY: SSE2 is part of the x86-64 baseline; `chunk` holds 32 bytes.
        let (stops, nuls) = unsafe { marks32(chunk) };
        if stops != 0 {
            let at = stops.trailing_zeros();
            return (i + at as usize, nuls >> at & 1 != 0);
        }
        i += 32;
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let marks =
            zeros(w) | zeros(w ^ (ONES * u64::from(b'/'))) | zeros(w ^ (ONES * u64::from(b'[')));
        if marks != 0 {
            let at = i + (marks.trailing_zeros() / 8) as usize;
            return (at, b[at] == 0);
        }
        i += 8;
    }
    match b[i..].iter().position(|&c| matches!(c, 0 | b'/' | b'[')) {
        Some(p) => (i + p, b[i + p] == 0),
        None => (b.len(), true),
    }
}

/// The index of the first NUL in `b` (`b.len()` if none), thirty-two bytes at a time
/// with the masks of [`first_nul_slash_or_bracket`]: a name is short, and a call into a
/// general SIMD search costs more than it saves.
pub(super) fn first_nul(b: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    let i = {
        let mut i = 0;
        while let Some(chunk) = b.get(i..i + 32) {
            // SAFETY: SSE2 is part of the x86-64 baseline; `chunk` holds 32 bytes.
            let (_, nuls) = unsafe { marks32(chunk) };
            if nuls != 0 {
                return i + nuls.trailing_zeros() as usize;
            }
            i += 32;
        }
        i
    };
    #[cfg(not(target_arch = "x86_64"))]
    let i = 0;
    i + memchr::memchr(0, &b[i..]).unwrap_or(b.len() - i)
}

/// Bit `k` set in the first mask when byte `k` of the 32-byte `chunk` is a NUL, `/` or
/// `[`; in the second, when it is a NUL.
///
/// # Safety
/// `chunk` must hold 32 bytes, and the CPU must have SSE2 (every x86-64 CPU has).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
unsafe fn marks32(chunk: &[u8]) -> (u32, u32) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_setzero_si128,
    };
    let mut stops = 0;
    let mut nuls = 0;
    for (k, half) in chunk.chunks_exact(16).take(2).enumerate() {
        // SAFETY: `half` holds 16 bytes; the load has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(half.as_ptr().cast::<__m128i>()) };
        let nul = _mm_cmpeq_epi8(v, _mm_setzero_si128());
        let hits = _mm_or_si128(
            nul,
            _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'/' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'[' as i8)),
            ),
        );
        stops |= (_mm_movemask_epi8(hits) as u32) << (16 * k);
        nuls |= (_mm_movemask_epi8(nul) as u32) << (16 * k);
    }
    (stops, nuls)
}

/// For a name `PKG.f[...]...` whose first `/` or `[` after `PKG.` opens its type
/// arguments (`from_bracket` is the name from there): whether its package is still `PKG`,
/// as `package_of` decides: nothing after the last `]` holds a `/`.
pub(super) fn generic_keeps_package(from_bracket: &[u8]) -> bool {
    memchr::memrchr(b']', from_bracket)
        .is_some_and(|close| memchr::memchr(b'/', &from_bracket[close..]).is_none())
}

/// Whether what follows a package path in a name is a cgo call wrapper (`._Cfunc_x`,
/// `._C2func_x`, and since Go 1.21 `._C_x`).
#[inline]
pub(super) fn is_cgo_wrapper(rest: &[u8]) -> bool {
    rest.get(..3) == Some(b"._C")
        && (rest.starts_with(b"._Cfunc_")
            || rest.starts_with(b"._C2func_")
            || rest.starts_with(b"._C_"))
}

/// The package part of a function name, still escaped, as `debug/gosym`'s `PackageName`
/// finds it: drop instantiation brackets, then the text up to the first `.` after the last
/// `/`. `None` for compiler-generated names and names without a package.
pub(crate) fn package_of(name: &[u8]) -> Option<Cow<'_, [u8]>> {
    if name.starts_with(b"go:") || name.starts_with(b"type:") {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(end) = short_package_end(name) {
        return end.map(|end| Cow::Borrowed(&name[..end]));
    }
    package_of_any(name)
}

/// [`package_of`] for any name, searching its characters one kind at a time.
pub(super) fn package_of_any(name: &[u8]) -> Option<Cow<'_, [u8]>> {
    // A package path holds no `[`: when nothing after the type arguments holds a `/`, the
    // package lies in the part before the first `[` and no copy is needed.
    if let (Some(open), Some(close)) = (memchr::memchr(b'[', name), memchr::memrchr(b']', name)) {
        if close > open {
            let head = &name[..open];
            let tail = &name[close + 1..];
            if memchr::memchr(b'/', tail).is_none() {
                if let Some(end) = package_end(head) {
                    return Some(Cow::Borrowed(&name[..end]));
                }
            }
            return package_of_stripped(name, open, close);
        }
    }
    package_end(name).map(|end| Cow::Borrowed(&name[..end]))
}

/// [`package_end`] of a name of at most 64 bytes without type arguments, from bit masks
/// of its bytes (one pass of SSE2 compares instead of a search per character); `None`
/// for a longer name or one with type arguments, which take the general way.
#[cfg(target_arch = "x86_64")]
pub(super) fn short_package_end(name: &[u8]) -> Option<Option<usize>> {
    if name.len() > 64 {
        return None;
    }
    let mut block = [0u8; 64];
    block[..name.len()].copy_from_slice(name);
    // SAFETY: SSE2 is part of the x86-64 baseline; the block holds 64 bytes.
    let [slash, dot, open, close] = unsafe { block_masks(&block, name.len().div_ceil(16)) };
    if open != 0 && close != 0 && 63 - close.leading_zeros() > open.trailing_zeros() {
        return None;
    }
    if is_generated(name) {
        return Some(None);
    }
    let path_end = if slash == 0 {
        0
    } else {
        63 - slash.leading_zeros()
    };
    let dots = dot & (u64::MAX << path_end);
    let end = dots.trailing_zeros() as usize;
    Some((dots != 0 && end > 0).then_some(end))
}

/// Masks of `/`, `.`, `[` and `]` over the first `chunks` 16-byte chunks of `block`: bit
/// `i` stands for byte `i`.
///
/// # Safety
/// The CPU must have SSE2 (every x86-64 CPU has).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn block_masks(block: &[u8; 64], chunks: usize) -> [u64; 4] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut masks = [0u64; 4];
    for (k, chunk) in block.chunks_exact(16).take(chunks).enumerate() {
        // SAFETY: `chunk` holds 16 bytes; the load has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
        for (mask, c) in masks.iter_mut().zip([b'/', b'.', b'[', b']']) {
            let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u16;
            *mask |= u64::from(bits) << (16 * k);
        }
    }
    masks
}

/// Where the package of `name` (a name without type arguments) ends: `debug/gosym`'s
/// rule, the first `.` after the last `/`.
pub(super) fn package_end(name: &[u8]) -> Option<usize> {
    if is_generated(name) {
        return None;
    }
    let pathend = memchr::memrchr(b'/', name).unwrap_or(0);
    let end = pathend + memchr::memchr(b'.', &name[pathend..])?;
    (end > 0).then_some(end)
}

/// The general case: the name with its type arguments `[open..=close]` cut out.
pub(super) fn package_of_stripped(name: &[u8], open: usize, close: usize) -> Option<Cow<'_, [u8]>> {
    let mut stripped = name[..open].to_vec();
    stripped.extend_from_slice(&name[close + 1..]);
    let end = package_end(&stripped)?;
    // The package is a prefix of the original name unless a bracket came before it.
    Some(if name.get(..end) == Some(&stripped[..end]) {
        Cow::Borrowed(&name[..end])
    } else {
        stripped.truncate(end);
        Cow::Owned(stripped)
    })
}

/// Compiler-generated names: `go:` and `type:` since Go 1.20, `go.` and `type.` before
/// (but not module paths such as `go.uber.org/zap`, whose first element is a host name).
pub(super) fn is_generated(name: &[u8]) -> bool {
    if !matches!(name.first(), Some(b'g' | b't')) {
        return false;
    }
    if name.starts_with(b"go:") || name.starts_with(b"type:") {
        return true;
    }
    if !(name.starts_with(b"go.") || name.starts_with(b"type.")) {
        return false;
    }
    let Some(slash) = name.iter().position(|&c| c == b'/') else {
        return true;
    };
    let host = &name[..slash];
    let host_like = !host.windows(2).any(|w| w == b"..")
        && host
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    !host_like
}

/// Undoes the linker's `%xx` escapes (`gopkg.in/yaml%2ev3` is `gopkg.in/yaml.v3`).
pub(crate) fn unescape(p: &[u8]) -> String {
    if !p.contains(&b'%') {
        return lossy(p);
    }
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'%' {
            let hex = p
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(p[i]);
        i += 1;
    }
    lossy(&out)
}
