//! File capabilities: the `security.capability` extended attribute `setcap` writes,
//! decoded into capability names. It says what the file grants; what a process ends up
//! with is the launch model's question (whyrun-rules `launch`).
//!
//! The layout is the kernel's `struct vfs_cap_data` / `vfs_ns_cap_data`
//! (include/uapi/linux/capability.h): a little-endian `magic_etc` (revision in the top
//! byte: 1 with one 32-bit word per set, 2 with two, 3 with two and a root uid; bit 0 the
//! effective flag), then `permitted` and `inheritable` words per set.

/// The extended attribute that holds a file's capabilities.
pub const XATTR: &str = "security.capability";

/// Capability names by number (include/uapi/linux/capability.h, Linux 6.x).
const NAMES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// What a file's `security.capability` grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCaps {
    /// The permitted set, by name (`CAP_NET_BIND_SERVICE`); unknown bits as `CAP_<n>`.
    pub permitted: Vec<String>,
    pub inheritable: Vec<String>,
    /// The effective flag (`+e` in `setcap`): the permitted set becomes effective at exec.
    pub effective: bool,
    /// Revision 3: the user-namespace root the capabilities apply to.
    pub root_uid: Option<u32>,
}

impl FileCaps {
    /// `cap_net_bind_service=ep` in `getcap`'s words.
    pub fn describe(&self) -> String {
        let names: Vec<String> = self
            .permitted
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let flags = match (self.effective, self.inheritable.is_empty()) {
            (true, true) => "ep",
            (false, true) => "p",
            (true, false) => "eip",
            (false, false) => "ip",
        };
        if names.is_empty() {
            format!("={flags}")
        } else {
            format!("{}={flags}", names.join(","))
        }
    }
}

fn names(words: &[u32]) -> Vec<String> {
    let mut out = Vec::new();
    for (w, word) in words.iter().enumerate() {
        for bit in 0..32 {
            if word & (1 << bit) != 0 {
                let n = w * 32 + bit;
                out.push(
                    NAMES
                        .get(n)
                        .map_or_else(|| format!("CAP_{n}"), |s| s.to_string()),
                );
            }
        }
    }
    out
}

/// Decodes the attribute's bytes; `Err` says why they are not a capability set.
pub fn decode(bytes: &[u8]) -> Result<FileCaps, String> {
    let word = |i: usize| -> Option<u32> {
        bytes
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let magic = word(0).ok_or("shorter than its 4-byte header")?;
    let (sets, expected) = match magic & 0xFF00_0000 {
        0x0100_0000 => (1, 12),
        0x0200_0000 => (2, 20),
        0x0300_0000 => (2, 24),
        r => return Err(format!("unknown revision {:#x}", r >> 24)),
    };
    if bytes.len() != expected {
        return Err(format!(
            "{} bytes where revision {} has {expected}",
            bytes.len(),
            magic >> 24
        ));
    }
    let mut permitted = Vec::new();
    let mut inheritable = Vec::new();
    for s in 0..sets {
        permitted.push(word(1 + 2 * s).unwrap_or(0));
        inheritable.push(word(2 + 2 * s).unwrap_or(0));
    }
    Ok(FileCaps {
        permitted: names(&permitted),
        inheritable: names(&inheritable),
        effective: magic & 1 != 0,
        root_uid: (sets == 2 && expected == 24).then(|| word(5).unwrap_or(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `setcap cap_net_bind_service+ep FILE` (libcap2-bin 2.66, Linux 6.18) writes these 20
    /// bytes: `0100000200040000000000000000000000000000` in hex.
    #[test]
    fn net_bind_service_ep_as_setcap_writes_it() {
        let b = [
            0x01, 0, 0, 0x02, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let c = decode(&b).unwrap();
        assert_eq!(c.permitted, ["CAP_NET_BIND_SERVICE"]);
        assert!(c.effective);
        assert!(c.inheritable.is_empty());
        assert_eq!(c.describe(), "cap_net_bind_service=ep");
    }

    #[test]
    fn revisions_and_bad_lengths() {
        let mut v3 = Vec::new();
        for w in [0x0300_0000u32, 1 << 12, 1 << 13, 1 << 8, 0, 1000] {
            v3.extend_from_slice(&w.to_le_bytes());
        }
        let c = decode(&v3).unwrap();
        assert_eq!(c.permitted, ["CAP_NET_ADMIN", "CAP_CHECKPOINT_RESTORE"]);
        assert_eq!(c.inheritable, ["CAP_NET_RAW"]);
        assert!(!c.effective);
        assert_eq!(c.root_uid, Some(1000));
        assert!(decode(&v3[..20]).is_err());
        assert!(decode(&[1, 2]).is_err());
        assert!(decode(&0x0400_0000u32.to_le_bytes()).is_err());
    }
}
