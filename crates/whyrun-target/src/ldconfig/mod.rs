//! The glibc loader's configuration as stored in a system: `/etc/ld.so.cache` (what the
//! loader reads) and `/etc/ld.so.conf` with its includes (what ldconfig built the cache
//! from). Parsing only, over bytes or through a file view; the search itself is
//! `crate::loader`'s.

pub mod cache;
pub mod conf;

pub use cache::{CacheEntry, CacheError, CacheFormat, CacheLookup, LdCache};
pub use conf::{read_ld_so_conf, ConfDir, LdSoConf};
