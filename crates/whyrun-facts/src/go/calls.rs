//! Who calls the functions through which a Go binary reads the system at run time (CA
//! roots, time zones, users): the direct calls of the binary's text, decoded with
//! `iced-x86` on x86-64 and from the `BL` encoding on arm64, with function bounds and names
//! from the pclntab, walked backwards from those functions. It reads code only; what a
//! reach means for a target is the rules' business.
//!
//! Three answers, after the ways real programs reach a need:
//! - **start-up**: a package `init` of a non-standard package reaches it through functions
//!   of its own package (the runtime runs every `init` before `main`), or `main.main` does
//!   through functions of package `main` only;
//! - **feature**: a function of the main module (the module path in the build info, or
//!   package `main`) reaches it through direct calls, wherever that function is called
//!   from (command and HTTP handlers are reached through indirect calls);
//! - **linked only**: nothing of the main module calls it directly; the code is there
//!   through a dependency, an interface or a function value, which direct calls cannot
//!   follow.
//!
//! The text is looked at once: every `E8` byte (x86-64) or aligned word (arm64) is a
//! candidate call whose target must be a function entry. On x86-64 a candidate counts only
//! once the decoder, run over the calling function from its entry, finds a `CALL` at that
//! address with that target; only functions on a walked path are decoded.

use std::collections::HashMap;

use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind};
use object::elf;
use serde::Serialize;

use super::packages::package_of;
use super::pclntab::Pclntab;
use crate::elf::view::ElfView;

/// How a need is reached from the program's own code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub how: Reached,
    /// The calls from the first function to the need's function, outermost first
    /// (`main.main`, `main.loadRoots`, `crypto/x509.SystemCertPool`). For
    /// [`Reached::LinkedOnly`]: the nearest direct caller and the need, when there is one.
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reached {
    /// Only dependency code calls it directly, or nothing does.
    LinkedOnly,
    /// A function of the main module calls it, directly or through direct calls.
    Feature,
    /// An `init` or `main.main` reaches it before or as the program starts its work.
    StartUp,
}

/// The functions through which each need is reached. A function the compiler may inline
/// (`SystemCertPool`, `user.Current`) is listed with the functions it calls, so that a
/// caller it was inlined into is still seen.
pub(crate) const X509_GATEWAYS: &[&str] = &[
    "crypto/x509.SystemCertPool",
    "crypto/x509.loadSystemRoots",
    "crypto/x509.systemRootsPool",
    "crypto/tls.dial",
    "crypto/tls.DialWithDialer",
    "crypto/tls.Client",
    "net/http.(*Client).do",
    "net/http.(*Transport).roundTrip",
    "golang.org/x/net/http2.(*Transport).dialTLS",
];
pub(crate) const TIMEZONE_GATEWAYS: &[&str] = &["time.LoadLocation"];
pub(crate) const OS_USER_GATEWAYS: &[&str] = &[
    "os/user.Current",
    "os/user.Lookup",
    "os/user.LookupId",
    "os/user.LookupGroup",
    "os/user.LookupGroupId",
    "os/user.(*User).GroupIds",
    "os/user.lookupUser",
    "os/user.lookupUserId",
    "os/user.lookupGroup",
    "os/user.lookupGroupId",
    "os/user.listGroups",
];

/// Longest chain kept as evidence; longer ones keep their two ends.
const MAX_CHAIN: usize = 8;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    X86_64,
    Arm64,
}

/// The direct call graph of a Go binary's text.
pub(crate) struct CallGraph<'data> {
    isa: Isa,
    /// Function entry addresses, ascending, and the end of the last function.
    entries: Vec<u64>,
    table: Pclntab<'data>,
    text: &'data [u8],
    /// Every call between functions, in address order (so grouped by caller), as the two
    /// halves of the text were scanned; positions `callee_start[f]..callee_start[f + 1]`
    /// of the two read one after the other (see [`CallGraph::site`]) are the calls `f`
    /// makes.
    sites: [Vec<Site>; 2],
    callee_start: Vec<u32>,
    /// `callers[caller_start[f]..caller_start[f + 1]]`: the callers of `f`, once per call.
    caller_start: Vec<u32>,
    callers: Vec<u32>,
    /// The main module's path, from the build info.
    main_module: Option<String>,
    /// Call sites the decoder confirmed, per decoded function (x86-64).
    decoded: HashMap<u32, Vec<u32>>,
}

/// One call: (caller, callee, the call's offset in the text).
type Site = (u32, u32, u32);

impl<'data> CallGraph<'data> {
    /// The graph of the binary's text; `None` for an architecture it does not decode, or
    /// a function table or text it cannot map.
    pub(crate) fn build(
        view: &ElfView<'data>,
        table: &Pclntab<'data>,
        main_module: Option<&str>,
        read_ahead: crate::ReadAhead<'_>,
    ) -> Option<CallGraph<'data>> {
        let isa = match view.e_machine {
            m if m == elf::EM_X86_64.0 && view.is_64 => Isa::X86_64,
            m if m == elf::EM_AARCH64.0 && view.is_64 => Isa::Arm64,
            _ => return None,
        };
        let n = table.function_count();
        if n == 0 || n >= NONE as usize {
            return None;
        }
        let rebase = if table.lacks_text_start() {
            view.section(".text")?.addr
        } else {
            0
        };
        let entries: Vec<u64> = (0..=n)
            .map(|i| table.entry(i).map(|e| e.wrapping_add(rebase)))
            .collect::<Option<_>>()?;
        if entries.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        let (start, end) = (entries[0], entries[n]);
        let text = view.bytes_at_vaddr(start, end.checked_sub(start)?)?;
        u32::try_from(text.len()).ok()?;
        read_ahead(text);
        let bits = EntryBits::new(&entries);
        let scan = |functions: std::ops::Range<usize>| match isa {
            Isa::X86_64 => scan_x86_64(text, &entries, &bits, functions),
            Isa::Arm64 => scan_arm64(text, &entries, &bits, functions),
        };
        // Two halves of the text at once, cut at a function entry.
        let (first, second) = rayon::join(|| scan(0..n / 2), || scan(n / 2..n));
        let sites = [first, second];
        let all = || sites.iter().flatten();
        // Sites come grouped by caller: the calls of f start where the counts before it end.
        let mut callee_start = vec![0u32; n + 1];
        for &(from, _, _) in all() {
            callee_start[from as usize + 1] += 1;
        }
        for i in 1..=n {
            callee_start[i] += callee_start[i - 1];
        }
        let (caller_start, callers) = index(n, all().map(|&(from, to, _)| (to, from)));
        Some(CallGraph {
            isa,
            entries,
            table: table.clone(),
            text,
            sites,
            callee_start,
            caller_start,
            callers,
            main_module: main_module.map(String::from),
            decoded: HashMap::new(),
        })
    }

    /// Call `k` of the two halves read one after the other.
    fn site(&self, k: usize) -> Site {
        let [first, second] = &self.sites;
        match first.get(k) {
            Some(&s) => s,
            None => second[k - first.len()],
        }
    }

    /// Whether `caller` really calls `callee` at one of its candidate sites.
    fn calls(&mut self, caller: u32, callee: u32) -> bool {
        let (a, b) = (
            self.callee_start[caller as usize] as usize,
            self.callee_start[caller as usize + 1] as usize,
        );
        let mut sites = (a..b)
            .map(|k| self.site(k))
            .filter(|&(_, to, _)| to == callee);
        let Some((_, _, first)) = sites.next() else {
            return false;
        };
        let more: Vec<u32> = sites.map(|(_, _, at)| at).collect();
        self.confirmed(caller, first) || more.into_iter().any(|at| self.confirmed(caller, at))
    }

    /// How many direct calls between functions the text holds (before confirmation).
    pub(crate) fn site_count(&self) -> usize {
        self.callers.len()
    }

    fn raw_name(&self, f: u32) -> &'data [u8] {
        self.table.function_name(f as usize).unwrap_or_default()
    }

    fn name(&self, f: u32) -> String {
        String::from_utf8_lossy(self.raw_name(f)).into_owned()
    }

    /// The functions named `names`, in the order of `names`, from one pass over the
    /// function records. A name's first eight bytes and its terminator are compared
    /// before the rest.
    fn functions(&self, names: &[&str]) -> Vec<u32> {
        let head = |b: &[u8]| {
            let mut w = [0u8; 8];
            let n = b.len().min(8);
            w[..n].copy_from_slice(&b[..n]);
            u64::from_le_bytes(w)
        };
        // (first bytes, mask of those that are the name's, name)
        let wanted: Vec<(u64, u64, &[u8])> = names
            .iter()
            .map(|n| {
                let n = n.as_bytes();
                let mask = if n.len() >= 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n.len())) - 1
                };
                (head(n), mask, n)
            })
            .collect();

        let mut found: Vec<(usize, u32)> = Vec::new();
        for f in 0..self.entries.len() as u32 - 1 {
            let Some(name) = self.table.function_name_onwards(f as usize) else {
                continue;
            };
            let h = head(name);
            for (k, (wh, mask, w)) in wanted.iter().enumerate() {
                if *wh == h & mask
                    && name.get(w.len()) == Some(&0)
                    && name.get(..w.len()) == Some(*w)
                {
                    found.push((k, f));
                }
            }
        }
        found.sort_unstable();
        found.into_iter().map(|(_, f)| f).collect()
    }

    fn package(&self, f: u32) -> Option<String> {
        package_of(self.raw_name(f)).map(|p| super::packages::unescape(&p))
    }

    fn in_main_module(&self, f: u32) -> bool {
        let Some(pkg) = self.package(f) else {
            return false;
        };
        pkg == "main"
            || self.main_module.as_deref().is_some_and(|m| {
                pkg == m || pkg.strip_prefix(m).is_some_and(|r| r.starts_with('/'))
            })
    }

    /// An `init` function of a package outside the standard library (`pkg.init`,
    /// `pkg.init.0`): the standard library's are known not to read these files.
    fn is_dependency_init(&self, f: u32) -> Option<String> {
        let name = self.raw_name(f);
        let pkg = self.package(f)?;
        let first = pkg.split('/').next().unwrap_or("");
        if !first.contains('.') && pkg != "main" {
            return None;
        }
        let rest = name.strip_prefix(pkg.as_bytes())?.strip_prefix(b".init")?;
        let numbered = rest
            .strip_prefix(b".")
            .is_some_and(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit));
        (rest.is_empty() || numbered).then_some(pkg)
    }

    /// Whether `caller` really calls `callee` at `site`: on x86-64, the decoder run over the
    /// caller from its entry finds that call there; an arm64 `BL` is one aligned word.
    fn confirmed(&mut self, caller: u32, site: u32) -> bool {
        if self.isa == Isa::Arm64 {
            return true;
        }
        let (start, end) = (
            self.entries[caller as usize],
            self.entries[caller as usize + 1],
        );
        let base = self.entries[0];
        let text = self.text;
        let sites = self.decoded.entry(caller).or_insert_with(|| {
            let from = (start - base) as usize;
            let to = ((end - base) as usize).min(text.len());
            decode_calls(&text[from..to], start)
                .into_iter()
                .map(|ip| (ip - base) as u32)
                .collect()
        });
        sites.binary_search(&site).is_ok()
    }

    /// How the first of `gateways` the program reaches is reached; `None` when none of
    /// them is a function of the binary (only inlined, or not linked).
    pub(crate) fn reach(&mut self, gateways: &[&str]) -> Option<Reach> {
        let n = self.entries.len() - 1;
        let targets = self.functions(gateways);
        if targets.is_empty() {
            return None;
        }
        // Backwards from the gateways, breadth first: `next[f]` is f's next call toward one.
        let mut next = vec![NONE; n];
        let mut queue = std::collections::VecDeque::new();
        for &t in &targets {
            next[t as usize] = t;
            queue.push_back(t);
        }
        let mut nearest_caller = None;
        let mut feature = None;
        let mut inits = Vec::new();
        let mut main_main = false;
        while let Some(f) = queue.pop_front() {
            let (a, b) = (
                self.caller_start[f as usize] as usize,
                self.caller_start[f as usize + 1] as usize,
            );
            for k in a..b {
                let caller = self.callers[k];
                if next[caller as usize] != NONE || !self.calls(caller, f) {
                    continue;
                }
                next[caller as usize] = f;
                queue.push_back(caller);
                nearest_caller.get_or_insert(caller);
                if feature.is_none() && self.in_main_module(caller) {
                    feature = Some(caller);
                }
                if let Some(pkg) = self.is_dependency_init(caller) {
                    inits.push((caller, pkg));
                }
                main_main |= self.raw_name(caller) == b"main.main";
            }
        }
        let chain_from = |g: &Self, mut f: u32| {
            let mut chain = vec![g.name(f)];
            while next[f as usize] != f {
                f = next[f as usize];
                chain.push(g.name(f));
            }
            shorten(chain)
        };
        // The start-up path: forwards from main.main through package main, or from a
        // dependency's init through its own package.
        let mut roots = inits;
        if main_main {
            if let Some(&m) = self.functions(&["main.main"]).first() {
                roots.insert(0, (m, "main".to_string()));
            }
        }
        for (root, pkg) in roots {
            if let Some(chain) = self.path_within(root, &pkg, &targets, &next) {
                return Some(Reach {
                    how: Reached::StartUp,
                    chain: shorten(chain),
                });
            }
        }
        if let Some(f) = feature {
            return Some(Reach {
                how: Reached::Feature,
                chain: chain_from(self, f),
            });
        }
        let chain = nearest_caller.map_or_else(
            || vec![self.name(targets[0])],
            |c| vec![self.name(c), self.name(next[c as usize])],
        );
        Some(Reach {
            how: Reached::LinkedOnly,
            chain,
        })
    }

    /// A chain of direct calls from `root` to a target through functions of package `pkg`
    /// only, depth first over functions known to reach a target (`next`).
    fn path_within(
        &mut self,
        root: u32,
        pkg: &str,
        targets: &[u32],
        next: &[u32],
    ) -> Option<Vec<String>> {
        let mut parent: HashMap<u32, u32> = HashMap::new();
        parent.insert(root, root);
        let mut stack = vec![root];
        while let Some(f) = stack.pop() {
            let (a, b) = (
                self.callee_start[f as usize] as usize,
                self.callee_start[f as usize + 1] as usize,
            );
            for k in a..b {
                let (_, callee, site) = self.site(k);
                if next[callee as usize] == NONE
                    || parent.contains_key(&callee)
                    || !self.confirmed(f, site)
                {
                    continue;
                }
                let is_target = targets.contains(&callee);
                if !is_target && self.package(callee).as_deref() != Some(pkg) {
                    continue;
                }
                parent.insert(callee, f);
                if is_target {
                    let mut chain = vec![self.name(callee)];
                    let mut at = callee;
                    while at != root {
                        at = parent[&at];
                        chain.push(self.name(at));
                    }
                    chain.reverse();
                    return Some(chain);
                }
                stack.push(callee);
            }
        }
        None
    }
}

/// Keeps the first and last calls of a long chain.
fn shorten(mut chain: Vec<String>) -> Vec<String> {
    if chain.len() > MAX_CHAIN {
        let tail = chain.split_off(chain.len() - MAX_CHAIN / 2);
        chain.truncate(MAX_CHAIN / 2 - 1);
        chain.push("…".into());
        chain.extend(tail);
    }
    chain
}

/// Groups (key, value) pairs by key: `start[k]..start[k + 1]` indexes the values of key
/// `k` in `out`.
fn index(n: usize, items: impl Iterator<Item = (u32, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 2];
    for (k, _) in items.clone() {
        start[k as usize + 2] += 1;
    }
    for i in 2..start.len() {
        start[i] += start[i - 1];
    }
    let mut out = vec![0u32; start[n + 1] as usize];
    for (k, v) in items {
        let slot = &mut start[k as usize + 1];
        out[*slot as usize] = v;
        *slot += 1;
    }
    start.truncate(n + 1);
    (start, out)
}

/// The function holding address `pc`, moving `f` forwards (sites come in address order).
#[inline]
fn advance(entries: &[u64], f: &mut usize, pc: u64) {
    while *f + 2 < entries.len() && entries[*f + 1] <= pc {
        *f += 1;
    }
}

/// One bit per slot of text, set at function entries, with the number of entries before
/// each 64 slots: a candidate target is checked, and its function found, in constant time.
/// A slot is as many bytes as every entry is aligned to (Go aligns functions to 32 bytes
/// on x86-64 and 16 on arm64), up to 32.
struct EntryBits {
    shift: u32,
    bits: Vec<u64>,
    before: Vec<u32>,
}

impl EntryBits {
    fn new(entries: &[u64]) -> EntryBits {
        let base = entries[0];
        let functions = &entries[..entries.len() - 1];
        let shift = functions
            .iter()
            .map(|&e| (e - base).trailing_zeros())
            .min()
            .unwrap_or(0)
            .min(5);
        let slots = ((entries[entries.len() - 1] - base) >> shift) as usize;
        let mut bits = vec![0u64; slots / 64 + 1];
        for &e in functions {
            let at = ((e - base) >> shift) as usize;
            bits[at / 64] |= 1 << (at % 64);
        }
        let mut before = Vec::with_capacity(bits.len());
        let mut count = 0u32;
        for w in &bits {
            before.push(count);
            count += w.count_ones();
        }
        EntryBits {
            shift,
            bits,
            before,
        }
    }

    /// The index of the function whose entry is `at` bytes into the text.
    #[inline]
    fn function_at(&self, at: u64) -> Option<u32> {
        if at & ((1 << self.shift) - 1) != 0 {
            return None;
        }
        let at = (at >> self.shift) as usize;
        let w = *self.bits.get(at / 64)?;
        let bit = 1u64 << (at % 64);
        (w & bit != 0).then(|| self.before[at / 64] + (w & (bit - 1)).count_ones())
    }
}

/// Keeps the candidate calls, given as (site, target) in address order from the entry of
/// function `first`, whose target is a function entry: (caller, callee, site offset).
fn calls_to_entries(
    entries: &[u64],
    bits: &EntryBits,
    first: usize,
    candidates: impl Iterator<Item = (u64, u64)>,
) -> Vec<Site> {
    let (base, end) = (entries[0], entries[entries.len() - 1]);
    // About one call per 70 bytes of Go code, in each half.
    let mut out = Vec::with_capacity(((end - base) / 128) as usize);
    let mut f = first;
    for (site, target) in candidates {
        if target < base || target >= end {
            continue;
        }
        if let Some(callee) = bits.function_at(target - base) {
            advance(entries, &mut f, site);
            out.push((f as u32, callee, (site - base) as u32));
        }
    }
    out
}

/// The text's byte range of `functions`.
fn byte_range(entries: &[u64], functions: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let base = entries[0];
    (entries[functions.start] - base) as usize..(entries[functions.end] - base) as usize
}

/// Candidate calls of `functions` in x86-64 text: every `E8` byte whose 32-bit
/// displacement lands on a function entry.
fn scan_x86_64(
    text: &[u8],
    entries: &[u64],
    bits: &EntryBits,
    functions: std::ops::Range<usize>,
) -> Vec<Site> {
    let base = entries[0];
    let bytes = byte_range(entries, &functions);
    let from = bytes.start;
    let candidates = memchr::memchr_iter(0xE8, &text[bytes]).filter_map(|i| {
        let i = from + i;
        let d = text.get(i + 1..i + 5)?;
        let disp = i32::from_le_bytes([d[0], d[1], d[2], d[3]]);
        let site = base + i as u64;
        Some((site, (site + 5).wrapping_add_signed(i64::from(disp))))
    });
    calls_to_entries(entries, bits, functions.start, candidates)
}

/// The calls of `functions` in arm64 text: every aligned `BL imm26` whose target is a
/// function entry.
fn scan_arm64(
    text: &[u8],
    entries: &[u64],
    bits: &EntryBits,
    functions: std::ops::Range<usize>,
) -> Vec<Site> {
    let base = entries[0];
    let bytes = byte_range(entries, &functions);
    let from = bytes.start;
    let candidates = text[bytes]
        .chunks_exact(4)
        .enumerate()
        .filter_map(|(k, word)| {
            // A64 instructions are little-endian whatever the data byte order.
            let w = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            if w >> 26 != 0b100101 {
                return None;
            }
            let offset = (((w & 0x03FF_FFFF) << 6) as i32 >> 4) as i64;
            let site = base + (from + 4 * k) as u64;
            Some((site, site.wrapping_add_signed(offset)))
        });
    calls_to_entries(entries, bits, functions.start, candidates)
}

/// The addresses of the near `CALL`s in one function's code, ascending.
fn decode_calls(code: &[u8], ip: u64) -> Vec<u64> {
    let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
    let mut instr = Instruction::default();
    let mut sites = Vec::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut instr);
        if instr.mnemonic() == Mnemonic::Call && instr.op0_kind() == OpKind::NearBranch64 {
            sites.push(instr.ip());
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_groups_by_key() {
        let items = [(1u32, 7u32), (0, 8), (1, 9)];
        let (start, out) = index(3, items.iter().copied());
        assert_eq!(start, [0, 1, 3, 3]);
        assert_eq!(out, [8, 7, 9]);
    }

    #[test]
    fn arm64_bl_targets_are_decoded() {
        // Two functions at 0x1000 and 0x1008; the first calls the second (BL +8 from
        // 0x1000 is 0x94000002), then calls backwards to itself (BL -4: 0x97ffffff).
        let entries = [0x1000, 0x1008, 0x1010];
        let mut text = Vec::new();
        for w in [0x9400_0002u32, 0x97ff_ffff, 0xd503_201f, 0xd65f_03c0] {
            text.extend_from_slice(&w.to_le_bytes());
        }
        let bits = EntryBits::new(&entries);
        assert_eq!(
            scan_arm64(&text, &entries, &bits, 0..2),
            [(0, 1, 0), (0, 0, 4)]
        );
        // Each half finds its own calls: f1 makes none.
        assert_eq!(scan_arm64(&text, &entries, &bits, 1..2), []);
    }

    #[test]
    fn x86_64_candidates_are_confirmed_by_the_decoder() {
        // f0 at 0x1000: `mov rax, imm64` whose immediate holds an E8 byte with a
        // displacement that lands on f1, then a real `call f1`. f1 at 0x1010: ret.
        let mut text = vec![0x48, 0xB8, 0xE8, 0x09, 0, 0, 0, 0, 0, 0];
        text.extend_from_slice(&[0xE8, 0x01, 0x00, 0x00, 0x00]); // call 0x1010 at 0x100a
        text.push(0xCC);
        text.push(0xC3);
        text.extend_from_slice(&[0xCC; 15]);
        let entries = [0x1000, 0x1010, 0x1020];
        let bits = EntryBits::new(&entries);
        let sites = scan_x86_64(&text, &entries, &bits, 0..2);
        assert_eq!(sites, [(0, 1, 2), (0, 1, 0xA)]);
        // Only the real call is an instruction.
        assert_eq!(decode_calls(&text[..16], 0x1000), [0x100A]);
    }

    #[test]
    fn long_chains_keep_both_ends() {
        let chain: Vec<String> = (0..12).map(|i| format!("f{i}")).collect();
        let short = shorten(chain);
        assert_eq!(short.len(), MAX_CHAIN);
        assert_eq!(short.first().unwrap(), "f0");
        assert_eq!(short.last().unwrap(), "f11");
        assert!(short.contains(&"…".to_string()));
    }
}
